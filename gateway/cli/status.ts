/** `meter-gateway status -c FILE [--json]`: meters, readings, balances, relays, backlog, health. */
import type { Command } from "commander";
import type { GatewayStatus } from "../service/status.ts";
import { callLocalApi, localApiBase } from "./local-api.ts";
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

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("show meters, last readings, balances, relays, backlog and health of the running service")
    .requiredOption("-c, --config <file>", "config file (YAML)")
    .option("--json", "machine-readable output")
    .action(async (options: { config: string; json?: boolean }) => {
      const base = await localApiBase(options.config);
      const status = (await callLocalApi(base, "/status")).body as GatewayStatus;
      const health = (await callLocalApi(base, "/healthz")).body as { status: string; reasons: string[] };
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify({ ...status, health }, null, 2)}\n`);
        return;
      }
      const rows = status.meters.map((m) => [
        m.id,
        `${m.bus}/${m.unit ?? m.address ?? "?"}`,
        m.state,
        ago(m.lastSeenMs),
        m.importEnergyWh === null ? "-" : `${(m.importEnergyWh / 1000).toFixed(3)} kWh`,
        m.account === null ? "-" : `${m.account} ${m.balance}`,
        m.relay ?? "-",
      ]);
      process.stdout.write(
        `gateway ${status.gatewayId}, up ${Math.round(status.uptimeMs / 1000)} s, health: ${health.status}\n`,
      );
      for (const reason of health.reasons) process.stdout.write(`  - ${reason}\n`);
      process.stdout.write(
        `${table(rows, ["meter", "bus/unit", "state", "last seen", "energy", "account balance", "relay"])}\n`,
      );
      const backlog = Object.entries(status.backlog)
        .map(([s, n]) => `${s} ${n}`)
        .join(", ");
      process.stdout.write(`uplink backlog: ${backlog === "" ? "empty" : backlog}\n`);
    });
}
