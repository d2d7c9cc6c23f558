/**
 * The technician's commands that act through the running service (it owns the serial ports and the
 * ledger): `relay test`, `meter swap`, `anomaly resolve`, `backup now`. Each is sent to the service's
 * local API (its Unix socket, else 127.0.0.1) and runs through the same operations as the platform's
 * MQTT command, audited like it with a `local-` transaction id, printed here. Exit code 0 when done, 1
 * when refused or failed, 2 for a usage mistake.
 */
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { formatYuan, parseMoneyE7 } from "../prepaid/index.ts";
import type { RelayTestResult, RelayTestStep } from "../service/technician-ops.ts";
import { loadConfigFile } from "./config-file.ts";
import { callLocalApi, localApiTarget } from "./local-api-client.ts";
import { UsageError } from "./output.ts";

interface Answer<R> {
  status: "ok" | "error";
  transaction?: string;
  code?: string;
  message?: string;
  result?: R;
}

/** A relay test waits for two bus writes and their read-backs, each bounded by the service: ms. */
const relayTestTimeoutMs = 120_000;

/**
 * Posts to the service; prints a refusal as one line (or, with `--json`, the answer as it is) and sets
 * exit code 1. Resolves with the answer when it is ok, else undefined.
 */
export async function post<R>(
  options: { config: string; json?: boolean },
  what: string,
  path: string,
  body: unknown,
  timeoutMs?: number,
): Promise<Answer<R> | undefined> {
  const answer = (await callLocalApi(await localApiTarget(options.config), path, body, timeoutMs))
    .body as Answer<R>;
  if (options.json === true) process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
  if (answer.status === "ok" && answer.result !== undefined)
    return options.json === true ? undefined : answer;
  if (options.json !== true)
    process.stderr.write(`error: ${what} refused (${answer.code}): ${answer.message}\n`);
  process.exitCode = 1;
  return undefined;
}

export const say = (text: string) => process.stdout.write(`${text}\n`);

function integer(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min)
    throw new UsageError(`${flag} must be a whole number of at least ${min} (got '${text}')`);
  return n;
}

/** Asks on the terminal; without one, `--yes` is required. */
async function confirmed(question: string, yes: boolean | undefined): Promise<boolean> {
  if (yes === true) return true;
  if (process.stdin.isTTY !== true)
    throw new UsageError(
      "this switches a customer's supply: confirm with --yes (there is no terminal to ask on)",
    );
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

function stepLine(name: string, step: RelayTestStep, expected: string): string {
  const result = step.result ?? "not finished";
  const reads =
    step.readback === null || step.readback === "unknown" ? "position unknown" : `reads ${step.readback}`;
  const flag =
    step.result === "ok" && step.readback === expected ? "" : `  <- expected ok, reads ${expected}`;
  return `  ${name.padEnd(6)} ${result}, ${reads} (relay operation ${step.relayOpId})${flag}`;
}

function registerRelayTest(program: Command): void {
  program
    .command("relay")
    .description("relay commands through the running service")
    .command("test")
    .description(
      "open the meter's relay (supply off), then close it again, each read back; refused for protected accounts",
    )
    .requiredOption("-c, --config <file>", "config file (YAML)")
    .requiredOption("--meter <id>", "meter whose relay to test")
    .option("--yes", "do not ask for confirmation")
    .option("--json", "machine-readable output")
    .action(async (options: { config: string; meter: string; yes?: boolean; json?: boolean }) => {
      const { config } = await loadConfigFile(options.config);
      const account = config.meters.find((m) => m.id === options.meter)?.account;
      const whose = account === undefined ? "" : ` (account ${account})`;
      const question = `Relay test on meter ${options.meter}${whose}: the supply goes OFF, then ON again. Continue?`;
      if (!(await confirmed(question, options.yes))) {
        say("relay test cancelled: nothing was switched");
        return;
      }
      const body = { meter: options.meter };
      const answer = await post<RelayTestResult>(
        options,
        "relay test",
        "/technician/relay-test",
        body,
        relayTestTimeoutMs,
      );
      if (answer?.result === undefined) return;
      const r = answer.result;
      if (!r.passed) process.exitCode = 1;
      if (options.json === true) return;
      say(
        `relay test of meter ${r.meter}: ${r.passed ? "passed" : "FAILED"} (transaction ${answer.transaction})`,
      );
      say(stepLine("open", r.cut, "open"));
      say(stepLine("close", r.restore, "closed"));
    });
}

interface SwapResult {
  meter: string;
  oldSerial: number;
  newSerial: number;
  oldEnergyWh: number | null;
  newEnergyWh: number;
}

function registerMeterSwap(program: Command): void {
  program
    .command("meter")
    .description("meter commands through the running service")
    .command("swap")
    .description(
      "confirm a meter swapped on site: the account carries over, the new register is the baseline, the jump is not charged",
    )
    .requiredOption("-c, --config <file>", "config file (YAML)")
    .requiredOption("--meter <id>", "meter that was swapped")
    .requiredOption("--new-serial <n>", "serial number of the new meter (on its nameplate)")
    .option("--reason <text>", "why, for the audit trail", "meter swapped on site")
    .option("--json", "machine-readable output")
    .action(
      async (options: {
        config: string;
        meter: string;
        newSerial: string;
        reason: string;
        json?: boolean;
      }) => {
        const body = {
          meter: options.meter,
          newSerial: integer(options.newSerial, "--new-serial", 0),
          reason: options.reason,
        };
        const answer = await post<SwapResult>(options, "meter swap", "/technician/meter-swap", body);
        if (answer?.result === undefined || options.json === true) return;
        const r = answer.result;
        const kwh = (wh: number) => `${(wh / 1000).toFixed(3)} kWh`;
        say(
          `meter ${r.meter}: swap confirmed, serial ${r.oldSerial} -> ${r.newSerial} (transaction ${answer.transaction})`,
        );
        say(
          `  old register ${r.oldEnergyWh === null ? "never billed" : kwh(r.oldEnergyWh)}; new baseline ${kwh(r.newEnergyWh)}`,
        );
        say("  the account carries over; the jump between the two registers is not charged");
      },
    );
}

interface ResolveResult {
  meter: string;
  anomaly: number;
  action: "charge" | "waive";
  energyWh: number;
  amount: string;
  balance: string;
}

function registerAnomalyResolve(program: Command): void {
  program
    .command("anomaly")
    .description("held readings, through the running service")
    .command("resolve")
    .description("charge or waive a held energy jump (its anomaly id is in `status` and in its event)")
    .requiredOption("-c, --config <file>", "config file (YAML)")
    .requiredOption("--meter <id>", "meter of the held jump")
    .requiredOption("--anomaly <id>", "anomaly id")
    .requiredOption("--action <action>", "charge or waive")
    .requiredOption("--reason <text>", "why, for the audit trail")
    .option("--json", "machine-readable output")
    .action(
      async (o: {
        config: string;
        meter: string;
        anomaly: string;
        action: string;
        reason: string;
        json?: boolean;
      }) => {
        if (o.action !== "charge" && o.action !== "waive")
          throw new UsageError("--action must be charge or waive");
        const body = {
          meter: o.meter,
          anomaly: integer(o.anomaly, "--anomaly", 1),
          action: o.action,
          reason: o.reason,
        };
        const answer = await post<ResolveResult>(o, "anomaly resolve", "/technician/anomaly-resolve", body);
        if (answer?.result === undefined || o.json === true) return;
        const r = answer.result;
        const verb =
          r.action === "charge"
            ? `charged ${formatYuan(parseMoneyE7(r.amount))}`
            : "waived (nothing charged)";
        say(
          `meter ${r.meter}: held jump of ${r.energyWh} Wh (anomaly ${r.anomaly}) ${verb}; balance ${formatYuan(parseMoneyE7(r.balance))} (transaction ${answer.transaction})`,
        );
      },
    );
}

function registerBackupNow(program: Command): void {
  program
    .command("backup")
    .description("database backups")
    .command("now")
    .description(
      "write a consistent copy of the database now, through the running service, into <dataDir>/backups",
    )
    .requiredOption("-c, --config <file>", "config file (YAML)")
    .option("--json", "machine-readable output")
    .action(async (options: { config: string; json?: boolean }) => {
      const answer = await post<{ file: string; bytes: number; kept: number }>(
        options,
        "backup",
        "/technician/backup",
        {},
      );
      if (answer?.result === undefined || options.json === true) return;
      const { file, bytes, kept } = answer.result;
      say(`backup written: ${file} (${(bytes / 1024).toFixed(0)} KiB); the newest ${kept} are kept`);
      say(`restore it with the service stopped: meter-gateway restore -c ${options.config} ${file}`);
    });
}

/** Registers `relay test`, `meter swap`, `anomaly resolve` and `backup now`. */
export function registerTechnicianCommands(program: Command): void {
  registerRelayTest(program);
  registerMeterSwap(program);
  registerAnomalyResolve(program);
  registerBackupNow(program);
}
