/**
 * Simulated terminals as a Modbus master sees them over real TCP (the gateway's own MbapTcpTransport),
 * and as a test sees them through the control interface: what the display shows, the keypad queue, the
 * ack, and the faults `busy` (exception 06) and `no-reply`.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../core/errors.ts";
import { encodeBlock, uint32Words } from "../../protocols/terminals/codec.ts";
import { MbapTcpTransport } from "../../protocols/modbus/transport/mbap-client.ts";
import { terminalProfile } from "../../simulator/terminals/terminals.ts";
import { startInProcess } from "../helpers/simulator.ts";

type Sim = Awaited<ReturnType<typeof startInProcess>>;
let sim: Sim | undefined;
let master: MbapTcpTransport | undefined;
afterEach(async () => {
  await master?.close();
  await sim?.stop();
  sim = master = undefined;
});

const profile = terminalProfile();

async function start() {
  sim = await startInProcess({
    buses: [
      {
        name: "a",
        endpoint: { kind: "tcp", port: 0 },
        meters: [{ units: "1", profile: "generic-prepaid" }],
        terminals: [{ unit: 20 }],
      },
    ],
  });
  const [host, port] = sim.buses[0]!.address.split(":");
  master = new MbapTcpTransport({ kind: "tcp", host: host!, port: Number(port) });
  await master.open();
  return { api: sim.api, master };
}

describe("simulated terminals", () => {
  it("shows what an FC 16 write put on the display, and refuses a write outside the blocks", async () => {
    const { api, master } = await start();
    const words = encodeBlock(profile.display, { balanceFen: 1234, alarm: 1, message: "Low credit" });
    await master.writeRegisters(20, profile.display.address, words, 1000);
    const view = await api.ok<Record<string, unknown>>("GET", "/terminals/20");
    expect(view).toMatchObject({
      unit: 20,
      displayWrites: 1,
      display: { balanceFen: 1234, alarm: 1, message: "Low credit" },
    });
    await expect(master.writeRegisters(20, 0x0070, [1], 1000)).rejects.toMatchObject({
      code: ErrorCode.ModbusException,
    });
    const writes = await api.ok<{ writes: Array<Record<string, unknown>> }>("GET", "/writes?unit=20");
    expect(writes.writes.map((w) => [w["fc"], w["address"], w["result"]])).toEqual([
      [16, 0, "applied"],
      [16, 0x70, "refused"],
    ]);
  });

  it("queues keypad entries from the control interface and drops the head on its ack", async () => {
    const { api, master } = await start();
    const first = await api.post<{ entry: { entryId: number } }>("/terminals/20/keypad", {
      token: "12345678901234567890",
    });
    expect(first).toMatchObject({ status: 201, body: { entry: { entryId: 1, kind: "token" } } });
    await api.ok("POST", "/terminals/20/keypad", { amountFen: 5000, reference: "card-7" });
    const head = await master.readRegisters(20, 3, profile.input.address, profile.input.count, 1000);
    expect(head.slice(0, 4)).toEqual([2, 0, 1, 1]);
    await master.writeRegisters(20, profile.ack, uint32Words(1), 1000);
    const view = await api.ok<{ pending: unknown[]; acknowledged: number }>("GET", "/terminals/20");
    expect(view).toMatchObject({
      pending: [{ entryId: 2, kind: "purchase", amountFen: 5000 }],
      acknowledged: 1,
    });
    const bad = await api.post("/terminals/20/keypad", { token: "123" });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: "INVALID_BODY" } } });
  });

  it("answers exception 06 while busy and nothing while off the bus", async () => {
    const { api, master } = await start();
    await api.ok("POST", "/terminals/20/fault", { fault: "busy" });
    await expect(master.readRegisters(20, 3, 0x40, 1, 1000)).rejects.toMatchObject({
      code: ErrorCode.ModbusException,
      context: { modbusCode: 6 },
    });
    await api.ok("POST", "/terminals/20/fault", { fault: "no-reply" });
    await expect(master.readRegisters(20, 3, 0x40, 1, 300)).rejects.toMatchObject({
      code: ErrorCode.Timeout,
    });
    await api.ok("POST", "/terminals/20/fault", { fault: "none" });
    expect(await master.readRegisters(20, 3, 0x40, 1, 1000)).toEqual([0]);
  });
});
