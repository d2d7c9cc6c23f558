/**
 * The prepayment terminal commands (docs/terminals.md): a message for a terminal's display, and the
 * platform's answer to a keypad entry forwarded on the `requests` stream. Entries of the catalog.
 */
import * as z from "zod";
import { epochMsSchema } from "../envelope.ts";
import { moneyString } from "../records.ts";
import { request } from "./request-base.ts";

const idSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "1..64 of letters, digits, '_', '-', '.'");
const answerStatus = z.enum(["accepted", "already-used", "rejected"]);

export const terminalCommands = {
  "terminal.message": {
    kind: "mutation",
    summary: "show a message on a prepayment terminal until a time (docs/terminals.md)",
    request: request({
      terminal: idSchema,
      text: z
        .string()
        .regex(/^[\x20-\x7e]{1,64}$/, "1..64 printable ASCII characters")
        .describe(
          "the message; a terminal shows as many characters as its field holds (32 on generic-terminal)",
        ),
      until: epochMsSchema.describe("shown until this instant, epoch ms (gateway clock)"),
    }),
    result: z.strictObject({ terminal: idSchema, until: epochMsSchema }),
  },
  "terminal.answer": {
    kind: "mutation",
    summary: "answer a keypad entry forwarded on the requests stream; shown on the terminal",
    request: request({
      terminal: idSchema,
      entryId: z
        .number()
        .int()
        .min(1)
        .max(0xffffffff)
        .describe("the entry's `entryId` on the requests stream"),
      status: answerStatus.describe(
        "accepted: the credit follows as a signed `topup`; already-used: the token was used before",
      ),
      balance: moneyString
        .optional()
        .describe("balance to show with an accepted entry, yuan; default the account's"),
      reason: z
        .string()
        .regex(/^[\x20-\x7e]{0,64}$/, "0..64 printable ASCII characters")
        .optional()
        .describe("why, shown to the customer (rejected); 24 characters on generic-terminal"),
    }),
    result: z.strictObject({
      terminal: idSchema,
      entryId: z.number().int().positive(),
      status: answerStatus,
    }),
  },
} as const;
