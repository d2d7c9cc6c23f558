/**
 * The DL/T 645 link through a transparent TCP-to-RS485 converter (raw frames, no TCP framing): a read
 * over a real socket, and a converter that drops the connection under a request, named as such.
 */
import { afterEach, describe, expect, it } from "vitest";
import { SystemClock } from "../../core/clock.ts";
import { ErrorCode } from "../../core/errors.ts";
import { BusScheduler } from "../../gateway/bus/scheduler.ts";
import { readFields } from "../../gateway/metering/dlt645-reads.ts";
import { encodePassword, findDataId } from "../../protocols/dlt645/index.ts";
import type { Dlt645Link } from "../../protocols/dlt645/transport/link.ts";
import { streamDlt645LinkFactory } from "../../protocols/dlt645/transport/stream-link.ts";
import { startTcpResponder, type Dlt645Responder, type ResponderMeter } from "../helpers/dlt645-responder.ts";
import { freePort } from "../helpers/index.ts";

const meter: ResponderMeter = {
  address: "000000000007",
  values: new Map([[0x00010000, [987_650]]]),
  refused: new Set(),
  splitAt: new Map(),
  passwordBytes: encodePassword("000000"),
  relayOpen: false,
  faults: [],
};
const energy = findDataId(0x00010000)!;

let responder: Dlt645Responder | undefined;
let scheduler: BusScheduler<Dlt645Link> | undefined;
afterEach(async () => {
  await scheduler?.stop();
  await responder?.close();
});

function bus(port: number) {
  const link = streamDlt645LinkFactory({ kind: "tcp", host: "127.0.0.1", port }, { connectTimeoutMs: 1000 });
  scheduler = new BusScheduler(link, {
    busId: "conv",
    clock: new SystemClock(),
    timeoutMs: 500,
    interFrameGapMs: 5,
  });
  return (run: Parameters<BusScheduler<Dlt645Link>["enqueue"]>[0]["run"]) =>
    scheduler!.enqueue({ meterId: "m", priority: "poll", retries: 0, run });
}

describe("DL/T 645 through a transparent TCP converter", () => {
  it("reads a meter behind it, frames unchanged", async () => {
    const port = await freePort();
    responder = await startTcpResponder(port, [{ ...meter }]);
    const run = bus(port);
    expect(await run((tx) => readFields(tx, "000000000007", energy))).toEqual([987_650]);
    // DOMAIN.md section 5's read of 00010000, to meter 000000000007: the checksum is B3 + 6.
    expect(responder.wire).toEqual(["6807000000000068110433333433b916"]);
  });

  it("names a converter that closes the connection under a request, and does not wait out the timeout", async () => {
    const port = await freePort();
    responder = await startTcpResponder(port, [{ ...meter, faults: ["silent"] }], (socket) =>
      socket.on("data", () => setTimeout(() => socket.end(), 50)),
    );
    const run = bus(port);
    const started = performance.now();
    await expect(run((tx) => readFields(tx, "000000000007", energy))).rejects.toMatchObject({
      code: ErrorCode.ConnectionClosed,
    });
    expect(performance.now() - started).toBeLessThan(450);
  });
});
