/**
 * `meter-gateway command <name> --config CLIENT_CONFIG ...`: signs a command with the gateway's command
 * key, sends it over MQTT, waits for the response and prints it. A technician tool and the reference
 * implementation for integrators (the code it runs is gateway/uplink/client/send.ts). Exit code 0 for an
 * `ok` response, 1 for an `error` response or no response, 2 for a usage mistake.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { loadClientConfig } from "../uplink/client/config.ts";
import { sendCommand } from "../uplink/client/send.ts";
import type { CommandName } from "../uplink/commands/catalog.ts";
import { commandCatalog } from "../uplink/commands/catalog.ts";
import { accountSwitch, extraOptions, extraParams, onOrOff } from "./command-extras.ts";
import { UsageError } from "./output.ts";
import { addLifecycleOptions, isLifecycleCommand, lifecycleParams } from "./command-lifecycle.ts";

interface CommonOptions {
  config: string;
  transaction?: string;
  json?: boolean;
  [option: string]: unknown;
}

function integer(value: unknown, flag: string): number {
  const n = Number(value);
  if (typeof value !== "string" || !/^-?\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new UsageError(`${flag} must be a whole number (got '${String(value)}')`);
  }
  return n;
}

/** `--until`: an ISO 8601 time with offset, or epoch milliseconds. */
function instant(value: unknown, option = "--until"): number {
  if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
  const ms = typeof value === "string" ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw new UsageError(`${option} must be an ISO 8601 time or epoch ms (got '${String(value)}')`);
  return ms;
}

/** `tariff.set`: the definition file and when it takes effect (later than now: the tariff's next set). */
function tariffSetOptions(sub: Command): Command {
  return sub
    .requiredOption("--file <file>", "tariff definition, YAML or JSON (a tariffs[] entry)")
    .option(
      "--effective-from <time>",
      "when it takes effect (later than now: the next set): ISO 8601 or epoch ms",
    );
}

/** Copies the options that were given, under their request field names. */
function pick(options: CommonOptions, fields: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [option, field] of Object.entries(fields))
    if (options[option] !== undefined) out[field] = options[option];
  return out;
}

/** The command's own fields from the command line. */
function paramsFor(command: CommandName, o: CommonOptions): Record<string, unknown> {
  if (isLifecycleCommand(command)) return lifecycleParams(command, o);
  switch (command) {
    case "topup":
      return {
        account: o["account"],
        amountFen: integer(o["amountFen"], "--amount-fen"),
        purchaseSeq: integer(o["purchaseSeq"], "--purchase-seq"),
        paymentRef: o["paymentRef"],
        ...pick(o, { orderNo: "orderNo" }),
      };
    case "relay":
    case "relay.forward": // block and mac only for relay.forward (commander requires them there)
      return pick(o, { meter: "meter", action: "action", block: "block", mac: "mac", reason: "reason" });
    case "protect":
      return {
        ...{ account: o["account"], on: onOrOff(o), reason: o["reason"] },
        ...(o["until"] === undefined ? {} : { until: instant(o["until"]) }),
      };
    case "account.set":
      return pick(o, {
        account: "account",
        tariff: "tariff",
        alarm1: "alarm1",
        alarm2: "alarm2",
        overdraftLimit: "overdraftLimit",
        hoardingLimit: "hoardingLimit",
        closeAllowedMin: "closeAllowedMin",
        restoreMode: "restoreMode",
      });
    case "tariff.set": {
      const file = String(o["file"]);
      const from = o["effectiveFrom"];
      const when = from === undefined ? {} : { effectiveFrom: instant(from, "--effective-from") };
      try {
        return { tariff: parseYaml(readFileSync(file, "utf8")) as unknown, ...when };
      } catch (error) {
        throw new UsageError(`cannot read tariff file ${file}: ${(error as Error).message}`);
      }
    }
    case "anomaly.resolve":
      return {
        meter: o["meter"],
        anomaly: integer(o["anomaly"], "--anomaly"),
        action: o["action"],
        reason: o["reason"],
      };
    case "meter.replace.confirm":
      return { meter: o["meter"], serial: integer(o["serial"], "--serial"), reason: o["reason"] };
    case "meter.read":
      return { meter: o["meter"] };
    case "time.check":
    case "config.get":
      return {};
    default:
      return extraParams(command, o, { instant, integer });
  }
}

/** Command-specific options, added to each subcommand. */
function addOptions(sub: Command, command: CommandName): Command {
  if (isLifecycleCommand(command)) return addLifecycleOptions(sub, command);
  switch (command) {
    case "topup":
      return sub
        .requiredOption("--account <id>", "account to credit")
        .requiredOption("--amount-fen <n>", "amount in fen (0.01 yuan)")
        .requiredOption("--purchase-seq <n>", "purchase count: the account's last + 1")
        .requiredOption("--payment-ref <ref>", "payment reference")
        .option("--order-no <no>", "purchase order number (applied once)");
    case "relay":
      return sub
        .requiredOption("--meter <id>", "meter to switch")
        .requiredOption("--action <action>", "cut or restore")
        .requiredOption("--reason <text>", "why, for the audit trail");
    case "relay.forward":
      return sub
        .requiredOption("--meter <id>", "the ESAM meter")
        .requiredOption("--action <action>", "cut or restore (what the encrypted block does)")
        .requiredOption("--block <hex>", "the platform's encrypted block, hex")
        .requiredOption("--mac <hex>", "its MAC, hex")
        .requiredOption("--reason <text>", "why, for the audit trail");
    case "protect":
      return accountSwitch(sub, "keep power on (never cut)", "release keep-power").option(
        "--until <time>",
        "end of keep-power: ISO 8601 or epoch ms",
      );
    case "account.set":
      return sub
        .requiredOption("--account <id>", "account")
        .option("--tariff <id>", "tariff id")
        .option("--alarm1 <yuan>", "first warning level")
        .option("--alarm2 <yuan>", "second warning level")
        .option("--overdraft-limit <yuan>", "how far below zero usage may continue")
        .option("--hoarding-limit <yuan>", "highest balance a top-up may reach")
        .option("--close-allowed-min <yuan>", "balance above which a cut supply is restored")
        .option("--restore-mode <mode>", "direct, or allow-close (the customer presses the meter's button)");
    case "tariff.set":
      return tariffSetOptions(sub);
    case "anomaly.resolve":
      return sub
        .requiredOption("--meter <id>", "meter whose held energy jump to resolve")
        .requiredOption("--anomaly <id>", "anomaly id (data.anomalyId of its event)")
        .requiredOption("--action <action>", "charge or waive")
        .requiredOption("--reason <text>", "why, for the audit trail");
    case "meter.replace.confirm":
      return sub
        .requiredOption("--meter <id>", "meter that was replaced")
        .requiredOption("--serial <n>", "serial number of the new meter (data.newSerial of its event)")
        .requiredOption("--reason <text>", "why, for the audit trail");
    case "meter.read":
      return sub.requiredOption("--meter <id>", "meter to read");
    case "time.check":
    case "config.get":
      return sub;
    default:
      return extraOptions(sub, command);
  }
}

async function run(command: CommandName, options: CommonOptions): Promise<void> {
  const params = paramsFor(command, options);
  const config = loadClientConfig(options.config);
  const response = await sendCommand({
    config,
    command,
    params,
    ...(options.transaction === undefined ? {} : { transaction: options.transaction }),
  });
  if (options.json === true) {
    process.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
  } else if (response.status === "ok") {
    const replayed = response.replayed === true ? ", already executed: the original result" : "";
    process.stdout.write(`ok: ${command} (transaction ${response.transaction}${replayed})\n`);
    process.stdout.write(`${JSON.stringify(response.result, null, 2)}\n`);
  } else {
    process.stdout.write(
      `error ${response.code}: ${response.message} (transaction ${response.transaction})\n`,
    );
    if (response.details !== undefined)
      process.stdout.write(`${JSON.stringify(response.details, null, 2)}\n`);
  }
  if (response.status === "error") process.exitCode = 1;
}

/** Registers `command <name>` with one subcommand per command of the contract. */
export function registerCommand(program: Command): void {
  const parent = program
    .command("command")
    .description("sign and send a command to a gateway over MQTT, wait for the response and print it");
  for (const [name, spec] of Object.entries(commandCatalog) as [CommandName, { summary: string }][]) {
    const sub = parent
      .command(name)
      .description(spec.summary)
      .requiredOption(
        "-c, --config <file>",
        "client config (broker url, TLS files, gatewayId, commandKeyFile)",
      )
      .option("--transaction <id>", "transaction id (default: a random UUID)")
      .option("--json", "print the response as JSON");
    addOptions(sub, name).action((options: CommonOptions) => run(name, options));
  }
}
