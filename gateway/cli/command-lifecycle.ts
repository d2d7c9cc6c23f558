/**
 * The account lifecycle commands of `meter-gateway command` (issue 16): their options and the request
 * fields built from them. command.ts delegates here for `account.open`, `account.close`, `account.get`,
 * `adjustment` and `refund`.
 */
import type { Command } from "commander";
import { UsageError } from "./output.ts";

/** Lifecycle command names. */
export type LifecycleCommandName = "account.open" | "account.close" | "account.get" | "adjustment" | "refund";

const lifecycleCommandNames: readonly string[] = [
  "account.open",
  "account.close",
  "account.get",
  "adjustment",
  "refund",
];

/** Whether `command` is one of the lifecycle commands handled here. */
export function isLifecycleCommand(command: string): command is LifecycleCommandName {
  return lifecycleCommandNames.includes(command);
}

function integer(value: unknown, flag: string): number {
  const n = Number(value);
  if (typeof value !== "string" || !/^-?\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new UsageError(`${flag} must be a whole number (got '${String(value)}')`);
  return n;
}

/** Copies the options that were given, under their request field names. */
function pick(options: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) if (options[field] !== undefined) out[field] = options[field];
  return out;
}

/** The command's own fields from the command line. */
export function lifecycleParams(
  command: LifecycleCommandName,
  o: Record<string, unknown>,
): Record<string, unknown> {
  switch (command) {
    case "account.open":
      return pick(o, [
        "account",
        "customerNo",
        "meter",
        "tariff",
        "openingBalance",
        "alarm1",
        "alarm2",
        "overdraftLimit",
        "hoardingLimit",
        "closeAllowedMin",
      ]);
    case "account.close":
      return {
        ...pick(o, ["account", "reason"]),
        ...(o["finalEnergyWh"] === undefined
          ? {}
          : { finalEnergyWh: integer(o["finalEnergyWh"], "--final-energy-wh") }),
      };
    case "account.get":
      return { account: o["account"] };
    case "adjustment":
      return {
        ...pick(o, ["account", "reason", "operator"]),
        amountFen: integer(o["amountFen"], "--amount-fen"),
      };
    case "refund":
      return {
        ...pick(o, ["account", "reason"]),
        refundSeq: integer(o["refundSeq"], "--refund-seq"),
        amountFen: integer(o["amountFen"], "--amount-fen"),
      };
  }
}

/** Command-specific options of a lifecycle command. */
export function addLifecycleOptions(sub: Command, command: LifecycleCommandName): Command {
  const account = sub.requiredOption("--account <id>", "account");
  switch (command) {
    case "account.open":
      return account
        .requiredOption("--customer-no <no>", "the platform's customer number")
        .requiredOption("--meter <id>", "configured meter to bind")
        .requiredOption("--tariff <id>", "tariff id")
        .option("--opening-balance <yuan>", "opening balance, yuan")
        .option("--alarm1 <yuan>", "first warning level")
        .option("--alarm2 <yuan>", "second warning level")
        .option("--overdraft-limit <yuan>", "how far below zero usage may continue")
        .option("--hoarding-limit <yuan>", "highest balance a top-up may reach")
        .option("--close-allowed-min <yuan>", "balance above which a cut supply is restored");
    case "account.close":
      return account
        .option("--final-energy-wh <wh>", "the meter's import register at removal, Wh")
        .requiredOption("--reason <text>", "why, for the audit trail");
    case "account.get":
      return account;
    case "adjustment":
      return account
        .requiredOption("--amount-fen <n>", "signed amount in fen: positive credits, negative debits")
        .requiredOption("--reason <text>", "why, for the audit trail")
        .requiredOption("--operator <name>", "who makes the adjustment");
    case "refund":
      return account
        .requiredOption("--refund-seq <n>", "refund count: the account's last + 1")
        .requiredOption("--amount-fen <n>", "amount returned, fen")
        .requiredOption("--reason <text>", "why, for the audit trail");
  }
}
