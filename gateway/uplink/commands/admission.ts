/**
 * Admission of a command: everything decidable from the message itself, before any state is read.
 * Pure (time comes in as an argument), so every refusal case is testable without a broker or a database.
 * Order matters: nothing from an unauthenticated request is trusted beyond echoing its transaction, and
 * the signature is checked before the gateway id and the validity window it covers.
 */
import type { z } from "zod";
import type { CommandName, CommandRequest } from "./catalog.ts";
import { commandCatalog, isCommandName, transactionSchema } from "./catalog.ts";
import type { UplinkErrorCode } from "./codes.ts";
import type { Refusal } from "./response.ts";
import { verifyCommand } from "./signature.ts";

/** Largest request accepted, bytes. Commands are small; this bounds parsing work per message. */
export const maxRequestBytes = 16_384;

/** What admission checks against. */
export interface AdmissionPolicy {
  readonly gatewayId: string;
  /** The command key bytes; undefined refuses every command with NO_COMMAND_KEY. */
  readonly commandKey: Buffer | undefined;
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

/** Decides whether `payload`, received on `request/{command}` at `nowMs`, may proceed. */
export function admitCommand(
  command: string,
  payload: Uint8Array,
  nowMs: number,
  policy: AdmissionPolicy,
): Admission {
  const refuse = (
    code: UplinkErrorCode,
    message: string,
    transaction: string | null,
    details?: Record<string, unknown>,
  ): Admission => ({ ok: false, command, transaction, code, message, ...(details ? { details } : {}) });

  if (payload.byteLength > maxRequestBytes) {
    return refuse("TOO_LARGE", `request is ${payload.byteLength} bytes; at most ${maxRequestBytes}`, null);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch {
    return refuse("NOT_JSON", "request is not UTF-8 JSON", null);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return refuse("NOT_JSON", "request is not a JSON object", null);
  }
  const transaction = readableTransaction(parsed);
  if (!isCommandName(command)) {
    return refuse("UNKNOWN_COMMAND", `no command '${command}'`, transaction, {
      commands: Object.keys(commandCatalog),
    });
  }
  const result = commandCatalog[command].request.safeParse(parsed);
  if (!result.success) {
    const issues = schemaIssues(result.error);
    const first = issues[0];
    const where = first === undefined || first.path === "" ? "" : `${first.path}: `;
    return refuse(
      "SCHEMA",
      `invalid ${command} request: ${where}${first?.message ?? "invalid"}`,
      transaction,
      {
        issues,
      },
    );
  }
  const request = result.data;
  if (policy.commandKey === undefined) {
    return refuse("NO_COMMAND_KEY", "this gateway has no command key configured", transaction);
  }
  // Verified over the JSON as received, not the parsed copy: zod output could differ in key order or
  // (with defaults) content, and the signer signed what it sent.
  if (!verifyCommand(command, parsed as Record<string, unknown>, policy.commandKey)) {
    return refuse("BAD_SIGNATURE", "signature does not match", transaction);
  }
  if (request.gatewayId !== policy.gatewayId) {
    return refuse("WRONG_GATEWAY", `command is for gateway '${request.gatewayId}'`, transaction);
  }
  const ttlMs = request.expiresAt - request.issuedAt;
  if (ttlMs <= 0 || ttlMs > policy.maxTtlMs) {
    return refuse("BAD_VALIDITY", `validity must be 1..${policy.maxTtlMs} ms (got ${ttlMs})`, transaction);
  }
  if (nowMs > request.expiresAt) {
    return refuse("EXPIRED", `expired ${nowMs - request.expiresAt} ms ago`, transaction, {
      gatewayTimeMs: nowMs,
    });
  }
  if (request.issuedAt > nowMs + policy.clockSkewMs) {
    return refuse(
      "NOT_YET_VALID",
      `issued ${request.issuedAt - nowMs} ms in the gateway's future`,
      transaction,
      {
        gatewayTimeMs: nowMs,
      },
    );
  }
  return { ok: true, command, request };
}
