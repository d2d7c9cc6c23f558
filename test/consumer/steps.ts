/**
 * The later steps of a consumer run (./run.ts): a database replacement (a new stream epoch), a gap the
 * consumer fills with `request/history`, and key rotations (command key by `kid`, uplink key by `kid`),
 * each done the way docs/mqtt.md 3.2, 6.2.1, 6.2.2 and 6.3 and docs/provisioning.md describe.
 */
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "../helpers/index.ts";
import { gatewayBalances } from "./client/balances.ts";
import type { CommandResponse } from "./client/requests.ts";
import { setLoad, settle, topUpEach, type ConsumerRun, type Settled } from "./run.ts";

/** What the consumer held when the previous epoch closed. */
export interface ClosedEpoch {
  readonly epoch: string;
  /** settle() just before the stop: the old epoch complete and equal to the gateway. */
  readonly settled: Settled;
  /** The gateway's balances (config.get) at the stop: what each customer had in that epoch. */
  readonly balances: Map<string, bigint>;
}

/**
 * Stops the gateway, moves its database away and starts it on a fresh one under the same gateway.id:
 * a new epoch whose balances start again from the config (3.2, `stream.database-replaced`). Resolves
 * once the consumer sees the new epoch in the status, with the meters loaded again.
 */
export async function replaceDatabase(run: ConsumerRun): Promise<ClosedEpoch> {
  const settled = await settle(run);
  const { consumer } = run;
  const epoch = consumer.epoch;
  const balances = await gatewayBalances(consumer, 10_000);
  await run.service.stop();
  for (const suffix of ["", "-wal", "-shm"])
    if (existsSync(run.site.dbFile + suffix))
      renameSync(run.site.dbFile + suffix, `${run.site.dbFile}${suffix}.replaced`);
  run.purchases.restartCounts();
  run.service = await run.site.start();
  await waitFor(() => consumer.epoch !== epoch && consumer.epoch !== "", {
    timeoutMs: 20_000,
    description: "the new epoch in the gateway's status",
  });
  setLoad(run, run.options.powerW);
  return { epoch, settled, balances };
}

/**
 * A lossy platform: the consumer drops the next `count` live `billing` records unseen (a top-up per
 * account makes them), finds the gap once later records arrive, and fetches it with `request/history`;
 * resolves when every asked-for record has arrived again.
 */
export async function dropAndFill(run: ConsumerRun, count: number, amountFen: number): Promise<void> {
  const { consumer } = run;
  consumer.dropNext("billing", count);
  await topUpEach(run, amountFen);
  await topUpEach(run, amountFen + 100);
  await waitFor(() => consumer.tracker.gaps().some((g) => g.stream === "billing"), {
    timeoutMs: 20_000,
    description: "a gap on billing after the dropped records",
  });
  await consumer.fillGaps(10_000);
  await waitFor(() => consumer.gapFiller.outstanding === 0, {
    timeoutMs: 20_000,
    description: "every record asked for with request/history",
  });
}

/** What a command key rotation showed. */
export interface Rotation {
  /** A top-up signed with the new key during the overlap. */
  readonly overlapTopUps: number;
  /** config.get signed with the retired key after the reload. */
  readonly retired: CommandResponse;
}

/**
 * provisioning.md "Rotating keys": the consumer names the single key (`kid` "default") first; the
 * gateway gets a second command key (overlap); the consumer moves to it; the first is removed and the
 * uplink key replaced (up-1 -> up-2, the consumer holding both); each reload is a SIGHUP.
 */
export async function rotateKeys(run: ConsumerRun, amountFen: number): Promise<Rotation> {
  const { consumer, site } = run;
  const dir = site.dir.path;
  const oldKey = { kid: "default", file: join(dir, "command.key") };
  const newKey = { kid: "k-2", text: "k2".repeat(20), file: join(dir, "command-k-2.key") };
  writeFileSync(newKey.file, `${newKey.text}\n`);
  writeFileSync(join(dir, "uplink-up-2.key"), `${"u2".repeat(20)}\n`);
  const uplink = (id: string) => `uplinkKey: { id: ${id}, file: ${join(dir, `uplink-${id}.key`)} }`;
  const reloads = () => consumer.events.filter((e) => e.body["type"] === "keys.reloaded").length;
  const reload = async (keys: string) => {
    const before = reloads();
    site.rekey(run.service, keys);
    await waitFor(() => reloads() > before, { timeoutMs: 15_000, description: "keys.reloaded" });
  };
  const oldText = consumer.identityKeyText;
  consumer.useCommandKey(oldKey.kid, oldText);
  await reload(
    `commandKeys: [{ id: default, file: ${oldKey.file} }, { id: ${newKey.kid}, file: ${newKey.file} }], ${uplink("up-1")}`,
  );
  consumer.useCommandKey(newKey.kid, newKey.text);
  await topUpEach(run, amountFen);
  consumer.addUplinkKey("up-2", "u2".repeat(20));
  await reload(`commandKeys: [{ id: ${newKey.kid}, file: ${newKey.file} }], ${uplink("up-2")}`);
  consumer.useCommandKey(oldKey.kid, oldText);
  const retired = await consumer.command("config.get", {}, { timeoutMs: 10_000 });
  consumer.useCommandKey(newKey.kid, newKey.text);
  await topUpEach(run, amountFen + 100);
  return { overlapTopUps: run.site.accountIds.length, retired };
}
