import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { silentLogger } from "../../core/logger.ts";
import type { RelayStatus, SecuredAnswer } from "../metering/controls.ts";
import { openStore, type Store } from "../store/index.ts";
import { RelayForwarder } from "./relay-forward.ts";

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const undo of cleanup.splice(0)) undo();
});

/** An ESAM meter (RS-485 hardware cannot exist here): answers as told and remembers the bytes it got. */
class EsamMeter {
  readonly received: string[] = [];
  answer: SecuredAnswer | Error = { accepted: true };
  status: RelayStatus | undefined = { closed: false, openCommanded: true };
  has = (meterId: string) => meterId === "esam-1";
  forwardSecured(_meterId: string, block: Uint8Array): Promise<SecuredAnswer> {
    this.received.push(Buffer.from(block).toString("hex"));
    return this.answer instanceof Error ? Promise.reject(this.answer) : Promise.resolve(this.answer);
  }
  readRelayStatus(): Promise<RelayStatus | undefined> {
    return Promise.resolve(this.status);
  }
}

function rig() {
  const dir = mkdtempSync(join(tmpdir(), "relay-forward-"));
  const store: Store = openStore({ dataDir: dir, clock: new ManualClock() });
  cleanup.push(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const meter = new EsamMeter();
  const forwarder = new RelayForwarder({
    store,
    logger: silentLogger(),
    meters: meter,
    accountOf: () => "acct-1",
  });
  const params = {
    meter: "esam-1",
    action: "cut" as const,
    block: "A1B2C3D4E5F60718",
    mac: "0a0b0c0d",
    reason: "arrears",
  };
  const forward = async (transaction: string, p = params) => {
    const prepared = store.transaction(() => forwarder.prepare(p, transaction));
    if (!prepared.ok) return prepared;
    return { ok: true, result: await prepared.result() };
  };
  const op = () => {
    const [row] = store.relayOps.forMeter("esam-1", 1);
    return (
      row && [row.action, row.reason, row.requestedBy, row.commandTxId, row.result, row.readback, row.detail]
    );
  };
  const events = () => store.events.list({ limit: 100 }).map((e) => [e.type, e.meterId, e.accountId]);
  return { store, meter, forward, op, events, params };
}

describe("relay.forward: a secured relay command forwarded and audited", () => {
  it("sends block + MAC as given, reads the relay back, and completes the audit row", async () => {
    const r = rig();
    expect(await r.forward("tx-accepted-1")).toEqual({
      ok: true,
      result: { meter: "esam-1", action: "cut", relayOpId: 1, answer: "accepted", relay: "open" },
    });
    expect(r.meter.received).toEqual(["a1b2c3d4e5f607180a0b0c0d"]);
    expect(r.op()).toEqual(["cut", "arrears (secured)", "platform", "tx-accepted-1", "ok", "open", null]);
    expect(r.events()).toEqual([["cut.done", "esam-1", "acct-1"]]);
  });

  it("reports a refusal (DC) with its decoded error bits", async () => {
    const r = rig();
    r.meter.answer = { accepted: false, errorBits: 0x04, errors: ["unauthorised"] };
    expect(await r.forward("tx-refused-1")).toEqual({
      ok: true,
      result: {
        meter: "esam-1",
        action: "cut",
        relayOpId: 1,
        answer: "refused",
        errorBits: 4,
        errors: ["unauthorised"],
        relay: "unknown",
      },
    });
    expect(r.op()).toEqual([
      "cut",
      "arrears (secured)",
      "platform",
      "tx-refused-1",
      "refused",
      "unknown",
      "meter refused: unauthorised",
    ]);
    expect(r.events()).toEqual([["relay.failed", "esam-1", "acct-1"]]);
  });

  it("a bus failure is answered as no-reply and audited as failed", async () => {
    const r = rig();
    r.meter.answer = new GatewayError(ErrorCode.Timeout, "no reply within 500 ms");
    const outcome = await r.forward("tx-timeout-1");
    expect(outcome).toMatchObject({
      ok: true,
      result: { answer: "no-reply", error: "TIMEOUT: no reply within 500 ms" },
    });
    expect(r.op()?.[4]).toBe("failed");
  });

  it("refuses a meter that cannot take it, and writes nothing", async () => {
    const r = rig();
    const outcome = await r.forward("tx-modbus-1", { ...r.params, meter: "modbus-1" });
    expect(outcome).toMatchObject({ ok: false, code: "NOT_SECURED_METER" });
    expect(r.store.relayOps.forMeter("modbus-1", 10)).toEqual([]);
  });
});
