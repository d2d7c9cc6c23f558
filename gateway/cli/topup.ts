/**
 * `meter-gateway topup -c FILE --account A --amount-fen N --seq S --ref R`: a local top-up through the
 * running service, for when the platform cannot reach the gateway. It is applied exactly once by
 * purchase sequence and reported to the platform when the uplink returns.
 */
import type { Command } from "commander";
import { formatYuan, parseMoneyE7 } from "../prepaid/index.ts";
import { callLocalApi, localApiTarget } from "./local-api-client.ts";
import { UsageError } from "./output.ts";

interface TopupOptions {
  config: string;
  account: string;
  amountFen: string;
  seq: string;
  ref: string;
  json?: boolean;
}

function positiveInt(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new UsageError(`${flag} must be a positive whole number (got '${text}')`);
  return value;
}

export function registerTopup(program: Command): void {
  program
    .command("topup")
    .description("apply a top-up locally through the running service (works while the uplink is down)")
    .requiredOption("-c, --config <file>", "config file (YAML)")
    .requiredOption("--account <id>", "account id")
    .requiredOption("--amount-fen <n>", "amount in fen (1 yuan = 100 fen)")
    .requiredOption("--seq <n>", "purchase sequence: the account's last one + 1")
    .requiredOption("--ref <text>", "payment reference (receipt number)")
    .option("--json", "machine-readable output")
    .action(async (options: TopupOptions) => {
      const body = {
        account: options.account,
        amountFen: positiveInt(options.amountFen, "--amount-fen"),
        purchaseSeq: positiveInt(options.seq, "--seq"),
        paymentRef: options.ref,
      };
      const response = await callLocalApi(await localApiTarget(options.config), "/topup", body);
      const out = response.body as {
        status: string;
        code?: string;
        message?: string;
        result?: { status: string; balance: string };
      };
      if (options.json === true) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      if (out.status !== "ok") {
        if (options.json !== true)
          process.stderr.write(`error: top-up refused (${out.code}): ${out.message}\n`);
        process.exitCode = 1;
        return;
      }
      if (options.json !== true) {
        const what =
          out.result?.status === "duplicate" ? "already applied earlier (nothing credited)" : "applied";
        process.stdout.write(
          `top-up ${body.purchaseSeq} for ${body.account}: ${what}; balance ${formatYuan(parseMoneyE7(out.result?.balance ?? "0"))}\n`,
        );
      }
    });
}
