/**
 * Random payloads on every request topic (and on made-up command names): the service never crashes,
 * answers every message with an error response, changes nothing, and still executes a valid command.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { commandNames } from "../../gateway/uplink/commands/catalog.ts";
import { errorResponseSchema } from "../../gateway/uplink/commands/response.ts";
import { domainSnapshot, signedRequest } from "../../gateway/uplink/testing/fixtures.ts";
import type { MosquittoBroker } from "../helpers/index.ts";
import { startMosquitto } from "../helpers/index.ts";
import type { GatewayUnderTest } from "./support/harness.ts";
import { Platform, startGateway, stopParts } from "./support/harness.ts";

let broker: MosquittoBroker | undefined;
let gateway: GatewayUnderTest | undefined;
let platform: Platform | undefined;
afterEach(async () => {
  await stopParts({ gateway, platform, broker });
  gateway = platform = broker = undefined;
});

const validParams: Record<string, Record<string, unknown>> = {
  topup: { account: "A-1", amountFen: 100, purchaseSeq: 1, paymentRef: "P" },
  relay: { meter: "M-1", action: "cut", reason: "r" },
  protect: { account: "A-1", on: true, reason: "r" },
  "account.set": { account: "A-1", alarm1: "10" },
  "tariff.set": { tariff: { id: "T-2", kind: "flat", price: "1" } },
  "meter.read": { meter: "M-1" },
  "time.check": {},
  "config.get": {},
};

/** A valid signed request with one change: a field removed, replaced or added. */
function mutated(command: string) {
  const base = signedRequest(command, validParams[command] ?? {}, { nowMs: Date.now() });
  const keys = Object.keys(base);
  return fc
    .tuple(
      fc.constantFrom(...keys),
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom("delete", "replace", "add"),
    )
    .map(([key, value, how]) => {
      const copy: Record<string, unknown> = { ...base };
      if (how === "delete") delete copy[key];
      else if (how === "replace") copy[key] = value;
      else copy[`${key}_x`] = value;
      return JSON.stringify(copy);
    })
    .filter((text) => text !== JSON.stringify(base));
}

const topicLevel = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/[+#/\0]/.test(s));

const message = fc.constantFrom(...commandNames, "bogus").chain((command) =>
  fc.tuple(
    fc.oneof(fc.constant(command), topicLevel),
    fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fc.json({ maxDepth: 3 }),
      fc.string({ maxLength: 100 }),
      fc
        .record({
          transaction: fc.oneof(fc.string(), fc.uuid(), fc.integer()),
          gatewayId: fc.constantFrom("gw-test", "gw-other", ""),
          issuedAt: fc.oneof(fc.integer(), fc.double(), fc.constant(Date.now())),
          expiresAt: fc.oneof(fc.integer(), fc.constant(Date.now() + 60_000)),
          signature: fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-f]{64}$/)),
        })
        .map((r) => JSON.stringify({ ...r, ...validParams[command] })),
      mutated(command === "bogus" ? "topup" : command),
      fc.constant("x".repeat(17_000)),
    ),
  ),
);

describe("command fuzzing", () => {
  it("answers every random payload with an error, changes nothing and keeps serving", async () => {
    broker = await startMosquitto();
    platform = await Platform.connect(broker.url);
    gateway = await startGateway({ url: broker.url });
    const p = platform;
    const before = domainSnapshot(gateway.store);
    const seed = Date.now();
    const samples = fc.sample(message, { numRuns: 300, seed });
    await Promise.all(
      samples.map(([command, payload]) =>
        p.client.publishAsync(`mg/gw-test/request/${command}`, payload, { qos: 1 }),
      ),
    );
    const responses = () => p.messages.filter((m) => m.topic.startsWith("mg/gw-test/response/"));
    await p.until(
      () => responses().length === samples.length,
      `a response per message (seed ${seed})`,
      20_000,
    );
    for (const response of responses()) {
      expect(() => errorResponseSchema.parse(response.payload), `seed ${seed}`).not.toThrow();
    }
    expect(domainSnapshot(gateway.store), `seed ${seed}`).toEqual(before);
    expect(gateway.executor.calls, `seed ${seed}`).toEqual([]);

    expect(gateway.uplink.connected).toBe(true);
    const valid = signedRequest("topup", validParams["topup"]!, { nowMs: Date.now() });
    expect(await p.request("topup", valid)).toMatchObject({ status: "ok" });
  }, 60_000);
});
