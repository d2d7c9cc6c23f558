/**
 * startSimulator with DL/T 645 meters behind a transparent TCP converter: raw frames in a TCP stream,
 * a request split across two TCP writes, a 0x14 write read back, and the wrong-address fault.
 */
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  Dlt645Framer,
  buildReadRequest,
  buildWriteRequest,
  decodeDataValues,
  findDataId,
  parseReadReply,
  parseWriteReply,
  type Dlt645Frame,
} from "../../protocols/dlt645/index.ts";
import { startSimulator, type RunningSimulator } from "../../simulator/start.ts";
import { faultSpecSchema } from "../../simulator/faults/fault-spec.ts";
import { waitFor } from "../helpers/index.ts";

let sim: RunningSimulator | undefined;
let socket: Socket | undefined;
afterEach(async () => {
  socket?.destroy();
  await sim?.stop();
  sim = undefined;
  socket = undefined;
});

const address = "000000000007";

async function start() {
  sim = await startSimulator({
    endpoint: { kind: "tcp", host: "127.0.0.1", port: 0 },
    meters: [],
    dltMeters: [{ unit: 1, importEnergyWh: 42_000, dlt645: { address, password: "123456" } }],
  });
  const s = connect(sim.port!, "127.0.0.1");
  socket = s;
  await new Promise<void>((resolve, reject) => s.once("connect", resolve).once("error", reject));
  const frames: Dlt645Frame[] = [];
  const framer = new Dlt645Framer({ frame: (frame) => frames.push(frame) });
  s.on("data", (chunk) => framer.push(chunk));
  const next = (count: number) =>
    waitFor(() => frames[count - 1], { timeoutMs: 2000, description: `DL/T 645 reply ${count} over TCP` });
  return { sim, s, next };
}

describe("DL/T 645 meters behind a transparent TCP converter", () => {
  it("answers a read split across two TCP writes", async () => {
    const { s, next } = await start();
    const request = buildReadRequest(address, 0x00010000);
    s.write(request.subarray(0, 9));
    await new Promise((resolve) => setTimeout(resolve, 20));
    s.write(request.subarray(9));
    const reply = parseReadReply(await next(1), { address, di: 0x00010000 });
    expect(reply.kind === "data" && decodeDataValues(findDataId(0x00010000)!, reply.payload)).toEqual([
      42_000,
    ]);
  });

  it("takes a 0x14 write of alarm amount 1 with the password and reads it back", async () => {
    const { s, next, sim } = await start();
    const value = Uint8Array.of(0x00, 0x50, 0x00, 0x00); // 50.00 yuan
    s.write(
      buildWriteRequest({
        address,
        di: 0x04001001,
        level: 2,
        password: "123456",
        operatorCode: "00000001",
        value,
      }),
    );
    expect(parseWriteReply(await next(1), address)).toEqual({ kind: "ok" });
    s.write(buildReadRequest(address, 0x04001001));
    const reply = parseReadReply(await next(2), { address, di: 0x04001001 });
    expect(reply.kind === "data" && decodeDataValues(findDataId(0x04001001)!, reply.payload)).toEqual([5000]);
    expect(sim.bus.writeLog).toMatchObject([{ fc: 0x14, address: 0x04001001, result: "applied" }]);
  });

  it("answers from the next address under the wrong-unit fault", async () => {
    const { s, next, sim } = await start();
    sim.simulation.injectFault(
      sim.simulation.findMeter(1),
      faultSpecSchema.parse({ kind: "wrong-unit" }),
      "control",
    );
    s.write(buildReadRequest(address, 0x00010000));
    expect((await next(1)).address).toBe("000000000008");
  });
});
