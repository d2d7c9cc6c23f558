import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../core/clock.ts";
import type { Store } from "../../store/index.ts";
import { TempStores } from "../../../test/helpers/store/temp-store.ts";
import { domainSnapshot, signedRequest, testGatewayId } from "../../../test/helpers/uplink/fixtures.ts";
import { testCommandHandler } from "../../../test/helpers/uplink/command-handler.ts";
import {
  startExecutorRig,
  type ExecutorRig,
  type RecordingExecutor,
} from "../../../test/helpers/service-rigs/executor-rig.ts";
import { seedMeterHistory } from "../../../test/helpers/service-rigs/meter-history.ts";
import type { CommandHandler } from "./handler.ts";
import type { CommandResponse } from "./response.ts";

const temp = new TempStores();
let clock: ManualClock;
let store: Store;
let rig: ExecutorRig;
let executor: RecordingExecutor;

beforeEach(() => {
  clock = new ManualClock();
  store = temp.open({ clock });
  rig = startExecutorRig({ store, clock });
  executor = rig.executor;
});
afterEach(async () => {
  await rig.stop();
  temp.cleanup();
});
/** The meters as polled by now: a relay command needs a meter whose relay position is known. */
const poll = () => seedMeterHistory(rig.engine, store, clock);

function handler(options: Parameters<typeof testCommandHandler>[0] | object = {}): CommandHandler {
  return testCommandHandler({ store, executor, clock, ...options });
}

const send = (h: CommandHandler, command: string, request: unknown) =>
  h.handle(command, Buffer.from(typeof request === "string" ? request : JSON.stringify(request)));
const sync = (response: CommandResponse | Promise<CommandResponse>): CommandResponse => {
  expect(response).not.toBeInstanceOf(Promise);
  return response as CommandResponse;
};
const topup = (purchaseSeq: number, amountFen = 5000) => ({
  account: "A-1",
  amountFen,
  purchaseSeq,
  paymentRef: "PAY",
});
const auditTypes = () =>
  store.events
    .list({ limit: 1000 })
    .map((e) => `${e.type}:${String((e.payload as { code?: string }).code ?? "")}`);
const eventRecords = () => store.outbox.fetchUndelivered("events", { limit: 1000 }).map((r) => r.payload);

describe("command handler", () => {
  it("executes a top-up once, audits it and remembers the transaction in the same unit of work", () => {
    const h = handler();
    const request = signedRequest("topup", topup(1), { nowMs: clock.now() });
    const response = sync(send(h, "topup", request));
    expect(response).toMatchObject({
      status: "ok",
      command: "topup",
      transaction: request["transaction"],
      gatewayId: testGatewayId,
      result: { status: "applied", account: "A-1", purchaseSeq: 1, balance: "150.00" },
    });
    expect(store.accounts.get("A-1")?.balanceE7).toBe(150 * 1e7);
    expect(store.commandsSeen.has(String(request["transaction"]))).toBe(true);
    expect(auditTypes()).toEqual(["command.executed:"]);
    expect(eventRecords()).toEqual([
      expect.objectContaining({
        type: "command.executed",
        accountId: "A-1",
        data: { command: "topup", transaction: request["transaction"] },
      }),
    ]);

    const before = domainSnapshot(store);
    const again = sync(send(h, "topup", request));
    expect(again).toMatchObject({ status: "ok", replayed: true, transaction: request["transaction"] });
    expect(again).toHaveProperty("result", (response as { result: unknown }).result);
    expect(domainSnapshot(store)).toEqual(before);
    expect(executor.calls).toHaveLength(1);
  });

  it("commits only the refusal's audit records, and does not remember the transaction", () => {
    const h = handler();
    const before = domainSnapshot(store);
    const request = signedRequest("topup", topup(1, 1_000_000), { nowMs: clock.now() }); // 10000 yuan > hoarding limit
    expect(sync(send(h, "topup", request))).toMatchObject({ status: "error", code: "TOPUP_HOARDING_LIMIT" });
    expect(domainSnapshot(store)).toEqual(before);
    expect(store.commandsSeen.has(String(request["transaction"]))).toBe(false);
    expect(auditTypes()).toEqual(["command.refused:TOPUP_HOARDING_LIMIT"]);
    const billing = store.outbox.fetchUndelivered("billing", { limit: 10 }).map((r) => r.payload);
    expect(billing).toEqual([
      expect.objectContaining({
        kind: "topup",
        status: "refused",
        // The fake executor wrote "hoarding limit"; the real engine says by how much.
        reason: "balance would be 10100.00, above the hoarding limit 5000.00",
      }),
    ]);
    // The transaction was not used up: a corrected command may carry it again.
    const corrected = signedRequest("topup", topup(1), {
      nowMs: clock.now(),
      transaction: String(request["transaction"]),
    });
    expect(sync(send(h, "topup", corrected))).toMatchObject({
      status: "ok",
      transaction: request["transaction"],
    });
  });

  it("answers INTERNAL when the executor throws, changes nothing, and lets the same transaction be retried", () => {
    poll();
    const h = handler();
    const before = domainSnapshot(store);
    const request = signedRequest(
      "relay",
      { meter: "M-1", action: "cut", reason: "arrears" },
      { nowMs: clock.now() },
    );
    executor.throwNext = true;
    expect(sync(send(h, "relay", request))).toMatchObject({ status: "error", code: "INTERNAL" });
    expect(domainSnapshot(store)).toEqual(before);
    expect(sync(send(h, "relay", request))).toMatchObject({
      status: "ok",
      result: { state: "queued", meter: "M-1" },
    });
    expect(store.relayOps.pending()).toHaveLength(1);
  });

  it("answers INTERNAL, not an undocumented code, when an untyped executor refuses with one", () => {
    // A cast stands in for an executor the compiler did not check (plain JavaScript, a cast elsewhere).
    const protect = (() => ({ ok: false, code: "KEEP_POWER_ON", message: "no" })) as unknown;
    const h = handler({ executor: Object.assign(executor, { protect }) });
    const before = domainSnapshot(store);
    const request = signedRequest(
      "protect",
      { account: "A-1", on: true, reason: "x" },
      { nowMs: clock.now() },
    );
    expect(sync(send(h, "protect", request))).toMatchObject({ status: "error", code: "INTERNAL" });
    expect(domainSnapshot(store)).toEqual(before);
    expect(auditTypes()).toEqual(["command.refused:INTERNAL"]);
  });

  it("answers UNKNOWN_ACCOUNT and UNKNOWN_METER from the executor", () => {
    const h = handler();
    const now = clock.now();
    expect(
      sync(send(h, "topup", signedRequest("topup", { ...topup(1), account: "A-9" }, { nowMs: now }))),
    ).toMatchObject({
      code: "UNKNOWN_ACCOUNT",
    });
    expect(
      sync(
        send(
          h,
          "relay",
          signedRequest("relay", { meter: "M-9", action: "cut", reason: "x" }, { nowMs: now }),
        ),
      ),
    ).toMatchObject({ code: "UNKNOWN_METER" });
  });

  it("limits relay commands per minute and recovers as the bucket refills", () => {
    poll();
    const h = handler({ relayCommandsPerMinute: 2 });
    const relay = () =>
      sync(
        send(
          h,
          "relay",
          signedRequest("relay", { meter: "M-2", action: "cut", reason: "x" }, { nowMs: clock.now() }),
        ),
      );
    expect(relay().status).toBe("ok");
    expect(relay().status).toBe("ok");
    expect(relay()).toMatchObject({ status: "error", code: "RATE_LIMITED" });
    clock.advance(30_000);
    expect(relay().status).toBe("ok");
  });

  it("runs queries asynchronously, refuses BUSY beyond the limit and remembers them too", async () => {
    const h = handler({ maxQueriesInFlight: 1 });
    executor.readDelayMs = 20;
    const first = signedRequest("meter.read", { meter: "M-1" }, { nowMs: clock.now() });
    const pending = send(h, "meter.read", first);
    expect(pending).toBeInstanceOf(Promise);
    const busy = await send(
      h,
      "meter.read",
      signedRequest("meter.read", { meter: "M-2" }, { nowMs: clock.now() }),
    );
    expect(busy).toMatchObject({ status: "error", code: "BUSY" });
    expect(await pending).toMatchObject({
      status: "ok",
      result: { meter: "M-1", reading: { values: { importEnergyWh: 123_456 } } },
    });
    expect(await send(h, "meter.read", first)).toMatchObject({ status: "ok", replayed: true });
  });

  it("audits every refusal but rate-limits the audit of unauthenticated ones, counting the rest", () => {
    const h = handler({ auditRefusalsPerMinute: 3 });
    for (let i = 0; i < 10; i++)
      expect(sync(send(h, "topup", "garbage"))).toMatchObject({ code: "NOT_JSON" });
    expect(store.events.count()).toBe(3);
    clock.advance(60_000);
    sync(send(h, "topup", "garbage"));
    const last = store.events.list({ afterId: 3, limit: 10 });
    expect(last.map((e) => e.payload)).toEqual([
      expect.objectContaining({ code: "NOT_JSON", suppressedBefore: 7 }),
    ]);
    // Authenticated refusals are always audited.
    const expired = signedRequest("topup", topup(1), { nowMs: clock.now() - 600_000 });
    for (let i = 0; i < 5; i++) sync(send(h, "topup", expired));
    expect(store.events.count()).toBe(9);
  });
});

describe("platform contact (the keep-power silence watch)", () => {
  it("is each admitted, not replayed request; a bad signature, another gateway or a replay is not", async () => {
    let heard = 0;
    const h = handler({ onPlatformMessage: () => heard++ });
    const check = signedRequest("time.check", {}, { nowMs: clock.now() });
    expect((await send(h, "time.check", check)).status).toBe("ok");
    expect(heard).toBe(1);
    expect(sync(send(h, "time.check", { ...check, signature: "0".repeat(64) })).status).toBe("error");
    const elsewhere = signedRequest("time.check", {}, { nowMs: clock.now(), gatewayId: "gw-other" });
    expect(sync(send(h, "time.check", elsewhere)).status).toBe("error");
    expect(heard).toBe(1);
    const cut = signedRequest(
      "close-not-allowed",
      { account: "A-1", on: true, reason: "r" },
      { nowMs: clock.now() },
    );
    expect(sync(send(h, "close-not-allowed", cut)).status).toBe("ok");
    expect(sync(send(h, "close-not-allowed", cut)).status).toBe("ok"); // the replay: answered, not contact
    expect(heard).toBe(2);
  });
});
