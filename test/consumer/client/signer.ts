/**
 * Signed command requests as docs/mqtt.md section 6.1 and 6.2 describe them: the common fields beside
 * the command's own, and `signature` = lowercase hex HMAC-SHA256 over `command + "\n" + JCS(request
 * without signature)`, keyed with the command key file's content (whitespace trimmed) as UTF-8 bytes.
 */
import { createHmac, randomUUID } from "node:crypto";
import { canonicalJson, type Json } from "./jcs.ts";

/** What a platform keeps per gateway to sign its commands. */
export interface SigningIdentity {
  readonly gatewayId: string;
  /** The command key file's content; surrounding whitespace is removed before use. */
  readonly keyText: string;
  /** The command key's id (6.2.1), sent as `kid`; absent: no `kid` (a gateway with exactly one key). */
  readonly kid?: string;
  /** `expiresAt - issuedAt`, ms; the gateway accepts up to its `mqtt.commandMaxTtlSec` (default 900 s). */
  readonly ttlMs: number;
}

/** HMAC-SHA256 signature of a request (without its `signature` field) for `command`. */
export function signature(command: string, unsigned: Record<string, Json>, keyText: string): string {
  const input = `${command}\n${canonicalJson(unsigned)}`;
  return createHmac("sha256", Buffer.from(keyText.trim(), "utf8")).update(input, "utf8").digest("hex");
}

/** A complete signed request; `transaction` defaults to a fresh UUID (reuse one to retry safely). */
export function signedRequest(
  command: string,
  params: Record<string, Json>,
  identity: SigningIdentity,
  options: { nowMs: number; transaction?: string },
): Record<string, Json> {
  const unsigned: Record<string, Json> = {
    ...params,
    transaction: options.transaction ?? randomUUID(),
    gatewayId: identity.gatewayId,
    issuedAt: options.nowMs,
    expiresAt: options.nowMs + identity.ttlMs,
    ...(identity.kid === undefined ? {} : { kid: identity.kid }),
  };
  return { ...unsigned, signature: signature(command, unsigned, identity.keyText) };
}
