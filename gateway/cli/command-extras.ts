/**
 * \`meter-gateway command\`: the options and request fields of the commands added to the contract after
 * its first set (command.ts keeps those), and the option helpers both share.
 */
import type { Command } from "commander";
import { UsageError } from "./output.ts";
import type { Parsers } from "./terminal-command-options.ts";
import { terminalOptions, terminalParams } from "./terminal-command-options.ts";

type Options = Record<string, unknown>;

/** The commands whose options live here. */
export type ExtraCommand = "close-not-allowed" | "history" | "terminal.message" | "terminal.answer";

/** The command's own fields from the command line. */
export function extraParams(command: ExtraCommand, o: Options, parse: Parsers): Record<string, unknown> {
  switch (command) {
    case "close-not-allowed":
      return { account: o["account"], on: onOrOff(o), reason: o["reason"] };
    case "history": {
      const fromSeq = parse.integer(o["fromSeq"], "--from-seq");
      return {
        stream: o["stream"],
        epoch: o["epoch"],
        fromSeq,
        toSeq: parse.integer(o["toSeq"], "--to-seq"),
      };
    }
    case "terminal.message":
    case "terminal.answer":
      return terminalParams(command, o, parse);
  }
}

/** Command-specific options, added to the subcommand. */
export function extraOptions(sub: Command, command: ExtraCommand): Command {
  switch (command) {
    case "close-not-allowed":
      return accountSwitch(sub, "set: no close until lifted", "lift: a withheld close runs");
    case "history":
      return sub
        .requiredOption("--stream <name>", "readings, billing or events")
        .requiredOption("--epoch <hex>", "the stream epoch (envelope epoch)")
        .requiredOption("--from-seq <n>", "first seq wanted")
        .requiredOption("--to-seq <n>", "last seq wanted (at most 1000 in all)");
    case "terminal.message":
    case "terminal.answer":
      return terminalOptions(sub, command);
  }
}

/** --on or --off, exactly one of them. */
export function onOrOff(o: Options): boolean {
  if (o["on"] === o["off"]) throw new UsageError("give exactly one of --on and --off");
  return o["on"] === true;
}

/** --account, --on / --off and --reason, for a command that switches something on an account. */
export function accountSwitch(sub: Command, on: string, off: string): Command {
  return sub
    .requiredOption("--account <id>", "account")
    .option("--on", on)
    .option("--off", off)
    .requiredOption("--reason <text>", "why, for the audit trail");
}
