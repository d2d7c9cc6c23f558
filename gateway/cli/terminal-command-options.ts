/** `meter-gateway command terminal.message | terminal.answer`: their options and request fields. */
import type { Command } from "commander";

type Options = Record<string, unknown>;

/** The number parsers of command.ts, handed in so both commands report bad values the same way. */
export interface Parsers {
  instant(value: unknown): number;
  integer(value: unknown, flag: string): number;
}

export function terminalParams(
  command: "terminal.message" | "terminal.answer",
  o: Options,
  parse: Parsers,
): Record<string, unknown> {
  if (command === "terminal.message")
    return { terminal: o["terminal"], text: o["text"], until: parse.instant(o["until"]) };
  return {
    terminal: o["terminal"],
    entryId: parse.integer(o["entryId"], "--entry-id"),
    status: o["status"],
    ...(o["balance"] === undefined ? {} : { balance: o["balance"] }),
    ...(o["reason"] === undefined ? {} : { reason: o["reason"] }),
  };
}

export function terminalOptions(sub: Command, command: "terminal.message" | "terminal.answer"): Command {
  if (command === "terminal.message")
    return sub
      .requiredOption("--terminal <id>", "terminal to show it on")
      .requiredOption("--text <text>", "the message, printable ASCII")
      .requiredOption("--until <time>", "shown until: ISO 8601 or epoch ms");
  return sub
    .requiredOption("--terminal <id>", "terminal the entry came from")
    .requiredOption("--entry-id <n>", "entryId of the entry (requests stream)")
    .requiredOption("--status <status>", "accepted, already-used or rejected")
    .option("--balance <yuan>", "balance to show with an accepted entry")
    .option("--reason <text>", "why, shown to the customer");
}
