/**
 * Admission of a command: everything decidable from the message itself, before any state is read.
 * Pure (time comes in as an argument), so every refusal case is testable without a broker or a database.
 * Order matters: nothing from an unauthenticated request is trusted beyond echoing its transaction, and
 * the signature is checked before the gateway id and the validity window it covers.
 */
import type * as z from "zod";
import type { CommandName, CommandRequest } from "./catalog.ts";
import { commandCatalog, isCommandName, transactionSchema } from "./catalog.ts";
import type { UplinkErrorCode } from "./codes.ts";
import type { Refusal } from "./response.ts";
import type { CommandKey } from "../keys/key-ring.ts";
import { chooseCommandKey, keyWindowRefusal } from "./key-choice.ts";
import { verifyCommand } from "./signature.ts";

/** Largest request accepted, bytes. Commands are small; this bounds parsing work per message. */
export const maxRequestBytes = 16_384;

/** What admission checks against. */
export interface AdmissionPolicy {
  readonly gatewayId: string;
  /**
   * The command keys in force (read at each request: a reload replaces them); none refuses every
   * command with NO_COMMAND_KEY.
   */
  readonly commandKeys: readonly CommandKey[];
  /** Longest accepted `expiresAt - issuedAt`, ms. */
  readonly maxTtlMs: number;
  /** How far `issuedAt` may be ahead of the gateway clock, ms. */
  readonly clockSkewMs: number;
}

/** An admitted command. */
export interface Admitted<C extends CommandName = CommandName> {
  readonly ok: true;
  readonly command: C;
  readonly request: CommandRequest<C>;
}

export type Admission = Admitted | ({ readonly ok: false } & Refusal);

/** The transaction of a request that failed validation, when it has a well-formed one (to echo it). */
function readableTransaction(parsed: unknown): string | null {
  if (typeof parsed !== "object" || parsed === null) return null;
  const result = transactionSchema.safeParse((parsed as Record<string, unknown>)["transaction"]);
  return result.success ? result.data : null;
}

function schemaIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.slice(0, 20).map((issue) => ({ path: issue.path.join("."), message: issue.message }));
}

/** Why admission stops: the refusal without the command and transaction it echoes. */
interface Rejection {
  readonly code: UplinkErrorCode;
  readonly message: string;
  readonly details: Record<string, unknown>;
}

const reject = (code: UplinkErrorCode, message: string, details: Record<string, unknown>): Rejection => ({
  code,
  message,
  details,
});

/** Decides whether `payload`, received on `request/{command}` at `nowMs`, may proceed. */
export function admitCommand(
  command: string,
  payload: Uint8Array,
  nowMs: number,
  policy: AdmissionPolicy,
): Admission {
  const refuse = (rejection: Rejection, transaction: string | null): Admission => ({
    ok: false,
    command,
    transaction,
    ...rejection,
  });

  const read = readObject(payload);
  if ("rejection" in read) return refuse(read.rejection, null);
  const parsed = read.object;
  const transaction = readableTransaction(parsed);
  if (!isCommandName(command)) {
    return refuse(
      reject("UNKNOWN_COMMAND", `no command '${command}'`, { commands: Object.keys(commandCatalog) }),
      transaction,
    );
  }
  const result = commandCatalog[command].request.safeParse(parsed);
  if (!result.success) return refuse(schemaRejection(command, result.error), transaction);
  const request = result.data;
  const rejection =
    checkAuthority(command, parsed, request.gatewayId, nowMs, policy) ??
    checkValidity(request, nowMs, policy);
  if (rejection !== undefined) return refuse(rejection, transaction);
  return { ok: true, command, request };
}

/** The payload as a JSON object, within the size bound. */
function readObject(payload: Uint8Array): { object: Record<string, unknown> } | { rejection: Rejection } {
  if (payload.byteLength > maxRequestBytes) {
    return {
      rejection: reject("TOO_LARGE", `request is ${payload.byteLength} bytes; at most ${maxRequestBytes}`, {
        bytes: payload.byteLength,
        maxBytes: maxRequestBytes,
      }),
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch {
    return { rejection: reject("NOT_JSON", "request is not UTF-8 JSON", { problem: "not UTF-8 JSON" }) };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return {
      rejection: reject("NOT_JSON", "request is not a JSON object", { problem: "not a JSON object" }),
    };
  }
  return { object: parsed as Record<string, unknown> };
}

/** A SCHEMA refusal naming the first issue, with up to 20 in the details. */
function schemaRejection(command: CommandName, error: z.ZodError): Rejection {
  const issues = schemaIssues(error);
  const first = issues[0];
  const where = first === undefined || first.path === "" ? "" : `${first.path}: `;
  return reject("SCHEMA", `invalid ${command} request: ${where}${first?.message ?? "invalid"}`, { issues });
}

/**
 * The key (named by `kid`, or the only one), the signature, the key's validity, then the gateway id the
 * signature covers. The key's window is checked after the signature, so only a key holder learns it.
 */
function checkAuthority(
  command: CommandName,
  parsed: Record<string, unknown>,
  gatewayId: string,
  nowMs: number,
  policy: AdmissionPolicy,
): Rejection | undefined {
  const chosen = chooseCommandKey(policy.commandKeys, parsed["kid"]);
  if ("refusal" in chosen) return chosen.refusal;
  // Verified over the JSON as received, not the parsed copy: zod output could differ in key order or
  // (with defaults) content, and the signer signed what it sent.
  if (!verifyCommand(command, parsed, chosen.key.key)) {
    // What was signed, so a sender can compare its signing input (never the expected signature).
    const signedFields = Object.keys(parsed)
      .filter((k) => k !== "signature")
      .sort();
    return reject("BAD_SIGNATURE", "signature does not match", { command, signedFields, kid: chosen.key.id });
  }
  const window = keyWindowRefusal(chosen.key, nowMs);
  if (window !== undefined) return window;
  if (gatewayId !== policy.gatewayId) {
    return reject("WRONG_GATEWAY", `command is for gateway '${gatewayId}'`, {
      gatewayId: policy.gatewayId,
      requested: gatewayId,
    });
  }
  return undefined;
}

/** The validity window: bounded length, not expired, not issued too far in the gateway's future. */
function checkValidity(
  request: { readonly issuedAt: number; readonly expiresAt: number },
  nowMs: number,
  policy: AdmissionPolicy,
): Rejection | undefined {
  const ttlMs = request.expiresAt - request.issuedAt;
  if (ttlMs <= 0 || ttlMs > policy.maxTtlMs) {
    return reject("BAD_VALIDITY", `validity must be 1..${policy.maxTtlMs} ms (got ${ttlMs})`, {
      ttlMs,
      maxTtlMs: policy.maxTtlMs,
    });
  }
  if (nowMs > request.expiresAt) {
    return reject("EXPIRED", `expired ${nowMs - request.expiresAt} ms ago`, {
      gatewayTimeMs: nowMs,
      expiredForMs: nowMs - request.expiresAt,
    });
  }
  if (request.issuedAt > nowMs + policy.clockSkewMs) {
    return reject("NOT_YET_VALID", `issued ${request.issuedAt - nowMs} ms in the gateway's future`, {
      gatewayTimeMs: nowMs,
      clockSkewMs: policy.clockSkewMs,
    });
  }
  return undefined;
}
