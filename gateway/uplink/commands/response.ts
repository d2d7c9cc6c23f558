/**
 * Command responses, published on `{prefix}/{gatewayId}/response/{command}` (and on the request's MQTT 5
 * response topic when it set one). Every response echoes the request's `transaction` and carries
 * `status: ok | error`; errors carry a `code` and a `message`.
 */
import { sealFields } from "../keys/seal-fields.ts";
import * as z from "zod";
import { CONTRACT_VERSION, contractVersionSchema, epochMsSchema, gatewayIdSchema } from "../envelope.ts";
import type { CommandName, CommandResult } from "./catalog.ts";
import type { CommandErrorCode } from "./codes.ts";
import { commandCatalog } from "./catalog.ts";

const responseBase = {
  v: contractVersionSchema,
  gatewayId: gatewayIdSchema,
  transaction: z
    .string()
    .nullable()
    .describe("the request's transaction; null when the request had no readable one"),
  wallMs: epochMsSchema.describe("when the gateway answered"),
  ...sealFields,
};

/** An error response (any command, including unknown ones). */
export const errorResponseSchema = z.strictObject({
  ...responseBase,
  command: z.string().describe("the last level of the request topic"),
  status: z.literal("error"),
  code: z.string().describe("machine-readable reason, e.g. BAD_SIGNATURE (see docs/mqtt.md)"),
  message: z.string().describe("one line for people"),
  details: z
    .record(z.string(), z.unknown())
    .describe("the facts behind the refusal, documented per code, e.g. schema issues or retryAfterMs"),
});

function okResponseSchema<C extends CommandName>(command: C) {
  return z.strictObject({
    ...responseBase,
    command: z.literal(command),
    status: z.literal("ok"),
    result: commandCatalog[command].result,
    replayed: z
      .literal(true)
      .optional()
      .describe("this transaction had already executed: the original result, not executed again"),
  });
}

/** The response schema of one command: `ok` with its result, or an error. */
export function responseSchemaOf(command: CommandName) {
  return z.discriminatedUnion("status", [okResponseSchema(command), errorResponseSchema]);
}

export type ErrorResponse = z.infer<typeof errorResponseSchema>;
export interface OkResponse<C extends CommandName = CommandName> {
  readonly v: typeof CONTRACT_VERSION;
  readonly gatewayId: string;
  readonly transaction: string | null;
  readonly wallMs: number;
  readonly command: C;
  readonly status: "ok";
  readonly result: CommandResult<C>;
  /** Set when the transaction had already executed: `result` is the original one. */
  readonly replayed?: true;
}
export type CommandResponse = OkResponse | ErrorResponse;

/** A refusal, in the form the handler passes around before it becomes a response. */
export interface Refusal {
  readonly command: string;
  readonly transaction: string | null;
  readonly code: CommandErrorCode;
  readonly message: string;
  /** The facts behind the refusal, documented per code (codes.ts); `{}` never, always something to act on. */
  readonly details: Record<string, unknown>;
}

export function errorResponse(gatewayId: string, wallMs: number, refusal: Refusal): ErrorResponse {
  return {
    v: CONTRACT_VERSION,
    gatewayId,
    transaction: refusal.transaction,
    wallMs,
    command: refusal.command,
    status: "error",
    code: refusal.code,
    message: refusal.message,
    details: refusal.details,
  };
}

export function okResponse<C extends CommandName>(
  gatewayId: string,
  wallMs: number,
  command: C,
  transaction: string,
  result: CommandResult<C>,
): OkResponse<C> {
  return { v: CONTRACT_VERSION, gatewayId, transaction, wallMs, command, status: "ok", result };
}
