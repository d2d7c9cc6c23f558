/**
 * Well-formed command requests that the gateway must refuse with a known code (docs/mqtt.md 6.5): the
 * fuzz scenario mixes them with random payloads and checks each answer's code by its transaction.
 */
import fc from "fast-check";
import { signedRequest } from "../uplink/fixtures.ts";
import { validParams } from "../uplink/command-fuzz.ts";

/** One message to send: topic level, payload, and for a crafted one the codes it may be answered with. */
export interface Sample {
  readonly command: string;
  readonly payload: string | Buffer;
  readonly expect?: { readonly transaction: string; readonly codes: readonly string[] };
}

/** A key of the right length that is not the gateway's. */
const forgedKey = Buffer.from("forged-key-0123456789abcdef0123456789");

/** `[topic level, request, codes]` for a command with valid parameters, signed at `nowMs`. */
type Case = (command: string, nowMs: number) => [string, Record<string, unknown>, string[]];

const cases: readonly Case[] = [
  (c, now) => [c, signedRequest(c, validParams[c]!, { nowMs: now - 600_000, ttlMs: 60_000 }), ["EXPIRED"]],
  (c, now) => [c, signedRequest(c, validParams[c]!, { nowMs: now + 3_600_000 }), ["NOT_YET_VALID"]],
  (c, now) => [c, signedRequest(c, validParams[c]!, { nowMs: now, ttlMs: 7_200_000 }), ["BAD_VALIDITY"]],
  (c, now) => [c, signedRequest(c, validParams[c]!, { nowMs: now, key: forgedKey }), ["BAD_SIGNATURE"]],
  (c, now) => [
    c,
    signedRequest(c, validParams[c]!, { nowMs: now, gatewayId: "gw-other" }),
    ["WRONG_GATEWAY"],
  ],
  // Signed for another command with the same (empty) parameters: the command name is signed too.
  (_, now) => ["time.check", signedRequest("config.get", {}, { nowMs: now }), ["BAD_SIGNATURE"]],
  (_, now) => [
    "topup",
    signedRequest("topup", { ...validParams["topup"], purchaseSeq: 9 }, { nowMs: now }),
    ["TOPUP_GAP"],
  ],
  (_, now) => [
    "topup",
    signedRequest("topup", { ...validParams["topup"], account: "A-404" }, { nowMs: now }),
    ["UNKNOWN_ACCOUNT"],
  ],
  // Refused relay commands still count against the relay rate limit.
  (_, now) => [
    "relay",
    signedRequest("relay", { ...validParams["relay"], meter: "M-404" }, { nowMs: now }),
    ["UNKNOWN_METER", "RATE_LIMITED"],
  ],
];

/**
 * Crafted refusals on every command with valid parameters, and replays of `replays` (requests the
 * gateway already executed, answered with their original result marked `replayed`).
 */
export function craftedSample(replays: readonly Sample[]): fc.Arbitrary<Sample> {
  const built = fc
    .tuple(fc.constantFrom(...Object.keys(validParams)), fc.nat(cases.length - 1))
    .map(([command, index]): Sample => {
      const [topic, request, codes] = cases[index]!(command, Date.now());
      const transaction = request["transaction"] as string;
      return { command: topic, payload: JSON.stringify(request), expect: { transaction, codes } };
    });
  return replays.length === 0 ? built : fc.oneof(built, fc.constantFrom(...replays));
}
