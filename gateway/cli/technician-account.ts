/**
 * The technician's account commands through the running service (issue 16): `account show` (the
 * platform's account.get) and `account adjust` (the adjustment command, with the operator named in the
 * audit record and `source: local` on billing). Sent to the local API like technician.ts's commands.
 */
import type { Command } from "commander";
import type { AccountView } from "../billing/account-view.ts";
import { UsageError } from "./output.ts";
import { post, say } from "./technician.ts";

function signedInteger(text: string, flag: string): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n) || n === 0)
    throw new UsageError(`${flag} must be a whole number other than 0 (got '${text}')`);
  return n;
}

/** The account for people: one line per fact. */
function printView(v: AccountView, transaction: string | undefined): void {
  const closed = v.closedAtMs === null ? "" : `, closed ${new Date(v.closedAtMs).toISOString()}`;
  say(`account ${v.account} (customer ${v.customerNo ?? "-"}${closed}), transaction ${transaction ?? "-"}`);
  say(`  balance     ${v.balance} yuan (${v.moneyState}); alarms raised: ${v.alarms.join(", ") || "none"}`);
  const t = v.thresholds;
  say(
    `  thresholds  alarm1 ${t.alarm1}, alarm2 ${t.alarm2}, overdraft ${t.overdraftLimit}, hoarding ${t.hoardingLimit}, close allowed above ${t.closeAllowedMin}`,
  );
  say(`  tariff      ${v.tariff ?? "-"}; meters ${v.meters.join(", ") || "none"}`);
  say(`  purchases   ${v.lastPurchaseSeq}; refunds ${v.lastRefundSeq}`);
  say(`  keep-power  ${v.protection === null ? "off" : `on (${v.protection.reason})`}`);
  for (const m of v.supply)
    say(
      `  supply      ${m.meter}: relay ${m.relay ?? "not read yet"}, ${m.cut}${m.reason === undefined ? "" : ` (${m.reason})`}`,
    );
}

/** Registers `account show` and `account adjust`. */
export function registerAccountCommands(program: Command): void {
  const account = program.command("account").description("account commands through the running service");
  account
    .command("show")
    .description(
      "an account's balance, thresholds, keep-power, purchase and refund counts, alarms and cut state",
    )
    .requiredOption("-c, --config <file>", "config file (YAML)")
    .requiredOption("--account <id>", "account")
    .option("--json", "machine-readable output")
    .action(async (o: { config: string; account: string; json?: boolean }) => {
      const answer = await post<AccountView>(o, "account show", "/technician/account-get", {
        account: o.account,
      });
      if (answer?.result !== undefined) printView(answer.result, answer.transaction);
    });
  account
    .command("adjust")
    .description("add to (positive) or subtract from (negative) a balance, audited with the operator")
    .requiredOption("-c, --config <file>", "config file (YAML)")
    .requiredOption("--account <id>", "account")
    .requiredOption("--amount-fen <n>", "signed amount in fen (0.01 yuan), not 0")
    .requiredOption("--reason <text>", "why, for the audit trail")
    .requiredOption("--operator <name>", "who makes the adjustment")
    .option("--json", "machine-readable output")
    .action(
      async (o: {
        config: string;
        account: string;
        amountFen: string;
        reason: string;
        operator: string;
        json?: boolean;
      }) => {
        const body = {
          account: o.account,
          amountFen: signedInteger(o.amountFen, "--amount-fen"),
          reason: o.reason,
          operator: o.operator,
        };
        const answer = await post<{ amountFen: number; balance: string; ledgerId: number }>(
          o,
          "account adjust",
          "/technician/adjustment",
          body,
        );
        if (answer?.result === undefined) return;
        const r = answer.result;
        say(
          `account ${o.account}: adjusted by ${r.amountFen} fen by ${o.operator}; balance ${r.balance} yuan (ledger entry ${r.ledgerId}, transaction ${answer.transaction})`,
        );
      },
    );
}
