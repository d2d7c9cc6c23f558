/**
 * Random command messages that must all be refused: shared by test/uplink/fuzz.test.ts (the uplink in
 * process) and the fault suite's fuzz scenario (the real service). Requests are for gateway
 * {@link testGatewayId}, account A-1 and meter M-1, signed (when signed at all) with the fixtures' key.
 */
import fc from "fast-check";
import { commandNames } from "../../../gateway/uplink/commands/catalog.ts";
import { signedRequest, testGatewayId } from "./fixtures.ts";

/** A valid parameter set per command (a request built from it and signed would be executed). */
export const validParams: Record<string, Record<string, unknown>> = {
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
export function mutated(command: string): fc.Arbitrary<string> {
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

/** A topic level that MQTT allows in a publish (no wildcards, separators or NUL). */
export const topicLevel = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/[+#/\0]/.test(s));

/** Payloads larger than the 16384-byte limit: junk and well-formed JSON alike. */
export const oversize = fc.oneof(
  fc.constant("x".repeat(17_000)),
  fc
    .integer({ min: 16_385, max: 40_000 })
    .map((n) => JSON.stringify({ ...validParams["topup"], paymentRef: "p".repeat(n) })),
);

/** Messages for one command's topic (or a made-up one): built once, since building is the slow part. */
function messageFor(command: string): fc.Arbitrary<[string, string | Buffer]> {
  return fc.tuple(
    fc.oneof(fc.constant(command), topicLevel),
    fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((bytes): string | Buffer => Buffer.from(bytes)),
      fc.json({ maxDepth: 3 }),
      fc.string({ maxLength: 100 }),
      fc
        .record({
          transaction: fc.oneof(fc.string(), fc.uuid(), fc.integer()),
          gatewayId: fc.constantFrom(testGatewayId, "gw-other", ""),
          issuedAt: fc.oneof(fc.integer(), fc.double(), fc.constant(Date.now())),
          expiresAt: fc.oneof(fc.integer(), fc.constant(Date.now() + 60_000)),
          signature: fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-f]{64}$/)),
        })
        .map((r) => JSON.stringify({ ...r, ...validParams[command] })),
      mutated(command === "bogus" ? "topup" : command),
      oversize,
    ),
  );
}

/**
 * `[command topic level, payload]`: random bytes, random JSON, random strings, requests with random
 * common fields, signed requests with one field changed, oversize payloads, on every command's topic
 * and on made-up ones. Requests are signed (and dated) when this module loads.
 */
export const fuzzMessage: fc.Arbitrary<[string, string | Buffer]> = fc.oneof(
  ...[...commandNames, "bogus"].map(messageFor),
);
