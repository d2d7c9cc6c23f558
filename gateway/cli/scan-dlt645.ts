/**
 * `meter-gateway scan --protocol dlt645`: with one meter on the line, the wildcard read-address finds
 * it; with several, `--address` lists the addresses or ranges to probe. Progress and `--json` as for
 * Modbus.
 */
import type { Command } from "commander";
import { describeDlt645Endpoint } from "../../protocols/dlt645/transport/endpoint.ts";
import { streamDlt645LinkFactory } from "../../protocols/dlt645/transport/stream-link.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { parseAddressList } from "./address-list.ts";
import { dlt645EndpointFromOptions, dlt645TimeoutMs } from "./dlt645-endpoint.ts";
import { Dlt645Prober, type Dlt645Hit } from "./dlt645-probe.ts";
import type { EndpointOptions } from "./endpoint.ts";
import { formatQuantity, table, UsageError } from "./output.ts";

export interface Dlt645ScanOptions extends EndpointOptions {
  address?: string;
  timeout?: string;
  json?: boolean;
  profilesDir?: string;
}

/** Runs the scan and prints what answered. */
export async function runDlt645Scan(options: Dlt645ScanOptions, command: Command): Promise<void> {
  const endpoint = dlt645EndpointFromOptions(options, command);
  const timeoutMs = dlt645TimeoutMs(options, command, 1000);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 10 || timeoutMs > 5000)
    throw new UsageError("--timeout must be 10..5000 ms");
  const list = options.address === undefined ? undefined : parseAddressList(options.address);
  if (list !== undefined && !list.ok) throw new UsageError(`--address: ${list.error}`);
  const prober = new Dlt645Prober(
    streamDlt645LinkFactory(endpoint),
    loadProfiles(options.profilesDir),
    timeoutMs,
  );
  const where = describeDlt645Endpoint(endpoint);
  const hits: Dlt645Hit[] = [];
  try {
    if (list === undefined) {
      process.stderr.write(`reading the address of the one meter on ${where} (wildcard AAAAAAAAAAAA)\n`);
      const address = await prober.readAddress();
      if (address !== undefined) hits.push(await prober.identify(address));
    } else {
      await probeList(prober, list.addresses, hits, options.json !== true, where, timeoutMs);
    }
  } finally {
    await prober.close();
  }
  if (options.json === true) {
    process.stdout.write(
      `${JSON.stringify({ endpoint: where, protocol: "dlt645", found: hits }, null, 2)}\n`,
    );
    return;
  }
  printHits(hits, list === undefined);
}

async function probeList(
  prober: Dlt645Prober,
  addresses: readonly string[],
  hits: Dlt645Hit[],
  chatty: boolean,
  where: string,
  timeoutMs: number,
): Promise<void> {
  const progress = process.stderr.isTTY && chatty;
  process.stderr.write(`scanning ${where}, ${addresses.length} address(es), ${timeoutMs} ms per probe\n`);
  for (const [i, address] of addresses.entries()) {
    if (progress)
      process.stderr.write(`\r  address ${address} (${i + 1}/${addresses.length}), found ${hits.length} `);
    if (!(await prober.present(address))) continue;
    hits.push(await prober.identify(address));
    if (!progress && chatty) process.stderr.write(`  address ${address} answered\n`);
  }
  if (progress) process.stderr.write("\n");
}

function printHits(hits: readonly Dlt645Hit[], wildcard: boolean): void {
  if (hits.length === 0) {
    process.stdout.write(
      wildcard
        ? "no meter answered the wildcard read-address. Check wiring (A/B swapped?), baud rate (usually 2400) and parity (even).\n"
        : "no meter answered at the listed addresses. Check wiring, baud rate and parity, and the addresses on the nameplates.\n",
    );
    return;
  }
  const rows = hits.map((h) => [
    h.address,
    h.profile === undefined
      ? "unknown (answers, but no profile reads)"
      : [h.profile, ...h.alternatives].join(" or "),
    (h.values.voltageV ?? h.values.voltageL1V) === undefined
      ? "-"
      : formatQuantity("voltageV", (h.values.voltageV ?? h.values.voltageL1V)!),
    h.values.importEnergyWh === undefined ? "-" : formatQuantity("importEnergyWh", h.values.importEnergyWh),
    h.relayClosed === undefined ? "-" : h.relayClosed ? "closed" : "open",
  ]);
  process.stdout.write(`${table(rows, ["address", "profile", "voltage", "import energy", "relay"])}\n`);
  process.stdout.write(`${hits.length} meter(s) found\n`);
}
