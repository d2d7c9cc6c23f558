/**
 * Verification of what the gateway publishes, as docs/mqtt.md section 6.2.2 prescribes: the signed bytes
 * are the payload's bytes before the last `,"sig":"`; what follows is 64 lowercase hex digits and `"}`;
 * the key is the one the message's `kid` names (key file content without surrounding whitespace, UTF-8),
 * HMAC-SHA256, compared in constant time. Cut the received bytes, never re-serialise.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** What precedes the signature; ASCII, so its length in bytes is its length in characters. */
const MARKER = ',"sig":"';

/**
 * Why `payload` does not verify under `keys` (uplink key id -> key file content), or undefined when it
 * does. `kid` is the parsed message's `kid`.
 */
export function uplinkSignatureProblem(
  payload: Buffer,
  kid: unknown,
  keys: ReadonlyMap<string, string>,
): string | undefined {
  const at = payload.lastIndexOf(MARKER, undefined, "utf8");
  const tail = at < 0 ? "" : payload.subarray(at + MARKER.length).toString("utf8");
  if (at < 0 || !/^[0-9a-f]{64}"}$/.test(tail)) return "unsigned";
  const key = typeof kid === "string" ? keys.get(kid) : undefined;
  if (typeof kid !== "string" || key === undefined) return `unknown uplink key id ${String(kid)}`;
  const expected = createHmac("sha256", Buffer.from(key.trim(), "utf8"))
    .update(payload.subarray(0, at))
    .digest();
  const received = Buffer.from(tail.slice(0, 64), "hex");
  return timingSafeEqual(expected, received) ? undefined : `bad signature under ${kid}`;
}
