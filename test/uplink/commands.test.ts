/**
 * Commands over a real broker: each command answered on response/{command} with a valid response; every
 * refusal answered with its code, audited on the events stream and leaving the domain unchanged; replay
 * protection across restarts; MQTT 5 response topic and correlation data; commands sent while the
 * gateway was away are delivered by the persistent session.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { commandNames } from "../../gateway/uplink/commands/catalog.ts";
import { responseSchemaOf } from "../../gateway/uplink/commands/response.ts";
import { domainSnapshot, signedRequest } from "../helpers/uplink/fixtures.ts";
import type { MosquittoBroker } from "../helpers/index.ts";
import { startMosquitto, waitFor } from "../helpers/index.ts";
import type { GatewayUnderTest } from "../helpers/uplink/harness.ts";
import { Platform } from "../helpers/platform.ts";
import { startGateway } from "../helpers/uplink/harness.ts";

let broker: MosquittoBroker;
let platform: Platform;
let gateway: GatewayUnderTest | undefined;
beforeAll(async () => {
  broker = await startMosquitto();
  platform = await Platform.connect(broker.url);
});
afterEach(async () => {
  await gateway?.stop().catch(() => undefined);
  gateway = undefined;
});
afterAll(async () => {
  await platform.close();
  await broker.stop();
});

const now = () => Date.now();
const topup = (purchaseSeq: number, extra: Record<string, unknown> = {}) => ({
  account: "A-1",
  amountFen: 2500,
  purchaseSeq,
  paymentRef: `PAY-${purchaseSeq}`,
  ...extra,
});
const otherKey = Buffer.from("not-the-gateway-key-0123456789abcdef");

/** Params of a valid request for every command. */
const validParams: Record<(typeof commandNames)[number], Record<string, unknown>> = {
  topup: topup(1),
  relay: { meter: "M-1", action: "cut", reason: "arrears" },
  "relay.forward": {
    meter: "M-1",
    action: "cut",
    block: "0011223344556677",
    mac: "8899aabb",
    reason: "arrears",
  },
  protect: { account: "A-2", on: true, until: Date.UTC(2030, 0, 1), reason: "hospital" },
  "account.set": { account: "A-1", alarm1: "60.00", alarm2: "20", tariff: "T-1" },
  "tariff.set": { tariff: { id: "T-1", kind: "flat", price: "0.5283" } },
  "anomaly.resolve": { meter: "M-1", anomaly: 1, action: "waive", reason: "register swap confirmed" },
  "meter.replace.confirm": { meter: "M-1", serial: 20_000_001, reason: "meter swapped, ticket 42" },
  "meter.read": { meter: "M-1" },
  "time.check": {},
  "config.get": {},
  "close-not-allowed": { account: "A-1", on: true, reason: "meter tampering under investigation" },
  // The epoch is the gateway's own (filled in per test); seqs past the last are simply not found.
  history: { stream: "billing", epoch: "0000000000000000", fromSeq: 1, toSeq: 1000 },
  "terminal.message": { terminal: "T-1", text: "Maintenance 10:00-11:00", until: Date.UTC(2030, 0, 1) },
  "terminal.answer": { terminal: "T-1", entryId: 1, status: "rejected", reason: "unknown token" },
  "account.open": {
    account: "C-3",
    customerNo: "CUST-3",
    meter: "M-3",
    tariff: "T-1",
    openingBalance: "10.00",
  },
  "account.close": { account: "A-2", reason: "customer moved out" },
  "account.get": { account: "A-1" },
  adjustment: { account: "A-1", amountFen: -100, reason: "meter test energy", operator: "ops-1" },
  refund: { account: "A-1", refundSeq: 1, amountFen: 500, reason: "customer moved out" },
};

describe("commands", () => {
  it.each(commandNames)("%s: answered ok with a response matching its schema", async (command) => {
    gateway = await startGateway({ url: broker.url, polled: true });
    const epoch = gateway.store.streamEpochs.list()[0]!.epoch;
    const params = command === "history" ? { ...validParams.history, epoch } : validParams[command];
    const request = signedRequest(command, params, { nowMs: now() });
    const response = await platform.request(command, request);
    expect(response).toMatchObject({
      status: "ok",
      command,
      transaction: request["transaction"],
      gatewayId: "gw-test",
    });
    expect(() => responseSchemaOf(command).parse(response)).not.toThrow();
    // history is the uplink's own (from the store), not the domain executor's.
    const executed = command === "history" ? [] : [command];
    expect(gateway.executor.calls.map((c) => c.command)).toEqual(executed);
  });

  const refusals: [string, string, () => unknown][] = [
    ["NOT_JSON", "topup", () => "{ not json"],
    ["TOO_LARGE", "topup", () => JSON.stringify({ ...topup(1), paymentRef: "x".repeat(20_000) })],
    ["UNKNOWN_COMMAND", "reboot", () => signedRequest("reboot", {}, { nowMs: now() })],
    ["SCHEMA", "topup", () => signedRequest("topup", topup(1, { amountFen: -5 }), { nowMs: now() })],
    ["BAD_SIGNATURE", "topup", () => signedRequest("topup", topup(1), { nowMs: now(), key: otherKey })],
    [
      "WRONG_GATEWAY",
      "relay",
      () => signedRequest("relay", validParams.relay, { nowMs: now(), gatewayId: "gw-other" }),
    ],
    ["EXPIRED", "topup", () => signedRequest("topup", topup(1), { nowMs: now() - 600_000 })],
    ["NOT_YET_VALID", "topup", () => signedRequest("topup", topup(1), { nowMs: now() + 600_000 })],
    ["BAD_VALIDITY", "topup", () => signedRequest("topup", topup(1), { nowMs: now(), ttlMs: 86_400_000 })],
    [
      "UNKNOWN_ACCOUNT",
      "protect",
      () => signedRequest("protect", { ...validParams.protect, account: "A-404" }, { nowMs: now() }),
    ],
    [
      "UNKNOWN_METER",
      "relay",
      () => signedRequest("relay", { ...validParams.relay, meter: "M-404" }, { nowMs: now() }),
    ],
    ["TOPUP_GAP", "topup", () => signedRequest("topup", topup(3), { nowMs: now() })],
    [
      "TOPUP_HOARDING_LIMIT",
      "topup",
      () => signedRequest("topup", topup(1, { amountFen: 10_000_000 }), { nowMs: now() }),
    ],
    [
      "TARIFF_INVALID",
      "tariff.set",
      () => signedRequest("tariff.set", { tariff: { id: "T-9", kind: "magic" } }, { nowMs: now() }),
    ],
  ];

  it.each(refusals)("refuses %s on %s, audits it and changes nothing", async (code, command, payload) => {
    gateway = await startGateway({ url: broker.url, polled: true });
    const before = domainSnapshot(gateway.store);
    const auditsBefore = platform.on("events").length;
    const request = payload();
    const transaction =
      typeof request === "object" ? (request as { transaction: string }).transaction : undefined;
    const response = await platform.request(command, request, transaction);
    expect(response).toMatchObject({ status: "error", code, command, gatewayId: "gw-test" });
    expect(response.transaction).toBe(code === "NOT_JSON" || code === "TOO_LARGE" ? null : transaction);
    expect(typeof (response as { message: unknown }).message).toBe("string");
    // Every refusal says what to act on (docs/mqtt.md 6.5 documents the details per code).
    expect(Object.keys((response as { details?: object }).details ?? {})).not.toEqual([]);
    expect(domainSnapshot(gateway.store)).toEqual(before);
    await platform.until(
      () =>
        platform
          .on("events")
          .slice(auditsBefore)
          .some((m) => (m.payload["body"] as { data: { code?: string } }).data.code === code),
      `command.refused ${code} on the events stream`,
    );
    expect(
      gateway.store.events
        .list({ type: "command.refused", limit: 10 })
        .map((e) => (e.payload as { code: string }).code),
    ).toEqual([code]);
  });

  it("answers a replayed transaction with its original result, also after a restart, and never executes it twice", async () => {
    gateway = await startGateway({ url: broker.url, polled: true });
    const request = signedRequest("topup", topup(1), { nowMs: now() });
    expect(await platform.request("topup", request)).toMatchObject({
      status: "ok",
      result: { balance: "125.00" },
    });
    const { dataDir } = gateway;
    await gateway.stop();
    gateway = await startGateway({ url: broker.url, polled: true, dataDir });
    const before = domainSnapshot(gateway.store);
    expect(await platform.request("topup", request)).toMatchObject({
      status: "ok",
      replayed: true,
      result: { status: "applied", balance: "125.00" },
    });
    expect(domainSnapshot(gateway.store)).toEqual(before);
    expect(gateway.store.accounts.get("A-1")?.balanceE7).toBe(125 * 1e7);
  });

  it("refuses RATE_LIMITED relay commands beyond the configured rate", async () => {
    gateway = await startGateway({ url: broker.url, polled: true, mqtt: { relayCommandsPerMinute: 1 } });
    const relay = () => signedRequest("relay", validParams.relay, { nowMs: now() });
    expect(await platform.request("relay", relay())).toMatchObject({ status: "ok" });
    const before = domainSnapshot(gateway.store);
    const limited = await platform.request("relay", relay());
    expect(limited).toMatchObject({
      status: "error",
      code: "RATE_LIMITED",
      details: { bucketSize: 1, refillPerMinute: 1 },
    });
    const { retryAfterMs } = (limited as unknown as { details: { retryAfterMs: number } }).details;
    expect(retryAfterMs).toBeGreaterThan(50_000); // one token a minute, just taken
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(domainSnapshot(gateway.store)).toEqual(before);
  });

  it("refuses NO_COMMAND_KEY when the gateway has no command key, and INTERNAL when execution fails", async () => {
    gateway = await startGateway({ url: broker.url, polled: true, mqtt: { commandKeyFile: undefined } });
    expect(await platform.request("topup", signedRequest("topup", topup(1), { nowMs: now() }))).toMatchObject(
      {
        code: "NO_COMMAND_KEY",
        details: { setting: "mqtt.commandKeys" },
      },
    );
    await gateway.stop();
    gateway = await startGateway({ url: broker.url, polled: true });
    gateway.executor.throwNext = true;
    const before = domainSnapshot(gateway.store);
    expect(await platform.request("topup", signedRequest("topup", topup(1), { nowMs: now() }))).toMatchObject(
      {
        code: "INTERNAL",
        details: { changed: false, retrySameTransaction: true },
      },
    );
    expect(domainSnapshot(gateway.store)).toEqual(before);
  });

  it("honours the MQTT 5 response topic and correlation data", async () => {
    gateway = await startGateway({ url: broker.url, polled: true });
    const request = signedRequest("time.check", {}, { nowMs: now() });
    await platform.client.publishAsync("mg/gw-test/request/time.check", JSON.stringify(request), {
      qos: 1,
      properties: {
        responseTopic: "mg/gw-test/response/time.check/replies-42",
        correlationData: Buffer.from("corr-42"),
      },
    });
    await platform.until(
      () => platform.messages.some((m) => m.topic === "mg/gw-test/response/time.check/replies-42"),
      "reply on the response topic",
    );
    const reply = platform.messages.find((m) => m.topic === "mg/gw-test/response/time.check/replies-42")!;
    expect(reply.payload).toMatchObject({
      status: "ok",
      transaction: request["transaction"],
      result: { clock: "ok" },
    });
    expect(reply.correlationData?.toString()).toBe("corr-42");
    await platform.until(
      () =>
        platform.on("response/time.check").some((m) => m.payload["transaction"] === request["transaction"]),
      "standard topic too",
    );
  });

  it("receives a command sent while the gateway was away (persistent session) and runs it once", async () => {
    gateway = await startGateway({ url: broker.url, polled: true });
    const { dataDir } = gateway;
    await gateway.stop();
    gateway = undefined;
    const request = signedRequest("topup", topup(1), { nowMs: now() });
    await platform.client.publishAsync("mg/gw-test/request/topup", JSON.stringify(request), { qos: 1 });
    gateway = await startGateway({ url: broker.url, polled: true, dataDir });
    await platform.until(
      () => platform.on("response/topup").some((m) => m.payload["transaction"] === request["transaction"]),
      "response after the gateway came back",
    );
    await waitFor(() => gateway!.store.accounts.get("A-1")?.balanceE7 === 125 * 1e7, {
      description: "top-up applied",
    });
    expect(gateway.executor.calls).toHaveLength(1);
  });
});
