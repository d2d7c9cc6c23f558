/**
 * `meter-gateway status -c FILE [--json]`: meters, readings, balances, relays, backlog and health of
 * the running service; under the table, per meter, what a technician must know: a cut and its reason,
 * keep-power, a relay that does not follow its command, held readings, a pending swap, the last error.
 */
import type { Command } from "commander";
import { formatYuan, parseMoneyE7 } from "../prepaid/index.ts";
import type { GatewayStatus, MeterStatus } from "../service/status-report.ts";
import { callLocalApi, localApiTarget } from "./local-api-client.ts";
import { table } from "./output.ts";

function ago(ms: number | null): string {
  if (ms === null) return "never";
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 120
    ? `${s} s ago`
    : s < 7200
      ? `${Math.round(s / 60)} min ago`
      : `${Math.round(s / 3600)} h ago`;
}

/** "79.52 yuan" from the exact decimal string of /status, rounded as the gateway rounds for people. */
export function yuan(balance: string): string {
  return formatYuan(parseMoneyE7(balance));
}

function relayCell(m: MeterStatus): string {
  const stuck = m.billing.relayDisobeys;
  if (stuck !== null) return `STUCK ${stuck.actual} (commanded ${stuck.expected})`;
  return m.relay ?? "-";
}

/** The account column: id, customer number (if any) and when it was closed (if it was). */
export function accountCell(m: MeterStatus): string {
  if (m.account === null) return "-";
  const customer = m.customerNo === null ? "" : ` (${m.customerNo})`;
  const closed =
    m.accountClosedAtMs === null ? "" : `, closed ${new Date(m.accountClosedAtMs).toISOString()}`;
  return `${m.account}${customer}${closed}`;
}

/** What a technician must know about one meter, one line each. */
export function meterNotes(m: MeterStatus): string[] {
  const notes: string[] = [];
  const { cut, relayDisobeys: stuck, heldReadings: held, heldJumps, replacement } = m.billing;
  if (cut !== null) {
    const why = cut.reason === "remote" ? `remote cut: ${cut.detail ?? "no reason given"}` : "arrears";
    const plannedAt = new Date(cut.plannedAtMs ?? 0).toISOString();
    const since = cut.plannedAtMs === null ? "" : ` since ${plannedAt}`;
    if (cut.waiting !== null) notes.push(`cut due${since} (${why}), waiting for ${cut.waiting.waitingFor}`);
    else
      notes.push(
        cut.executed ? `supply cut (${why})` : `cut announced for ${plannedAt} (${why}) unless topped up`,
      );
  }
  if (m.protected !== null) {
    const until = m.protected.untilMs === null ? "" : ` until ${new Date(m.protected.untilMs).toISOString()}`;
    notes.push(`protected (keep-power: ${m.protected.reason}${until}): never cut`);
  }
  if (stuck !== null)
    notes.push(
      `relay does not follow its command: commanded ${stuck.expected}, reads ${stuck.actual} (re-driven ${stuck.redrives} time(s))`,
    );
  if (held !== null)
    notes.push(
      `${held.readings} reading(s) held, not billed, since ${new Date(held.sinceMs).toISOString()} (${held.reason})`,
    );
  for (const j of heldJumps)
    notes.push(`energy jump of ${j.energyWh} Wh held (anomaly ${j.anomaly}): meter-gateway anomaly resolve`);
  if (replacement !== null)
    notes.push(
      `replaced: serial ${replacement.oldSerial} -> ${replacement.newSerial}, not confirmed: meter-gateway meter swap --meter ${m.id} --new-serial ${replacement.newSerial}`,
    );
  if (m.tariff?.nextFromMs != null)
    notes.push(`tariff ${m.tariff.id}: next set takes effect ${new Date(m.tariff.nextFromMs).toISOString()}`);
  if (m.lastError !== null) notes.push(`last error: ${m.lastError}`);
  return notes;
}

function print(status: GatewayStatus, health: { status: string; reasons: string[] }): void {
  const rows = status.meters.map((m) => [
    m.id,
    `${m.bus}/${m.unit ?? m.address ?? "?"}`,
    m.state,
    ago(m.lastSeenMs),
    m.importEnergyWh === null ? "-" : `${(m.importEnergyWh / 1000).toFixed(3)} kWh`,
    accountCell(m),
    m.balance === null ? "-" : yuan(m.balance),
    relayCell(m),
    m.protected === null ? "no" : "yes",
    m.lastPurchaseSeq === null ? "-" : String(m.lastPurchaseSeq),
  ]);
  process.stdout.write(
    `gateway ${status.gatewayId}, up ${Math.round(status.uptimeMs / 1000)} s, health: ${health.status}\n`,
  );
  for (const reason of health.reasons) process.stdout.write(`  - ${reason}\n`);
  const header = [
    "meter",
    "bus/unit",
    "state",
    "last seen",
    "energy",
    "account",
    "balance",
    "relay",
    "protected",
    "purchase",
  ];
  process.stdout.write(`${table(rows, header)}\n`);
  for (const m of status.meters) for (const note of meterNotes(m)) process.stdout.write(`${m.id}: ${note}\n`);
  const backlog = Object.entries(status.backlog)
    .map(([s, n]) => `${s} ${n}`)
    .join(", ");
  process.stdout.write(`uplink backlog: ${backlog === "" ? "empty" : backlog}\n`);
}

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description(
      "show meters, last readings, balances, relays, cuts, backlog and health of the running service",
    )
    .requiredOption("-c, --config <file>", "config file (YAML)")
    .option("--json", "machine-readable output (money as exact decimal strings)")
    .action(async (options: { config: string; json?: boolean }) => {
      const target = await localApiTarget(options.config);
      const status = (await callLocalApi(target, "/status")).body as GatewayStatus;
      const health = (await callLocalApi(target, "/healthz")).body as { status: string; reasons: string[] };
      if (options.json === true) process.stdout.write(`${JSON.stringify({ ...status, health }, null, 2)}\n`);
      else print(status, health);
    });
}
