/**
 * The store + charge path of one checkout of this repository, its modules imported from that tree's
 * own path (for the A/B tools that compare two trees in one process: ab-ingest.ts, wal-pages.ts). Typed
 * as this tree's modules; another tree's have the same exports (or the run fails loudly).
 */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type * as ConfigFileModule from "../../gateway/cli/config-file.ts";
import type * as ClockModule from "../../core/clock.ts";
import type * as LoggerModule from "../../core/logger.ts";
import type * as EngineModule from "../../gateway/billing/engine.ts";
import type * as IngestModule from "../../gateway/ingest/ingest.ts";
import type * as SettingsModule from "../../gateway/billing/settings.ts";
import type * as StoreModule from "../../gateway/store/index.ts";
import { ingestSiteConfig } from "./ingest-site.ts";

/** The ingest stage's modules of the checkout at `tree`. */
export async function ingestModules(tree: string) {
  // Absolute, so a tree given as "." is not taken for a package name.
  const load = <T>(path: string) => import(join(resolve(tree), path)) as Promise<T>;
  const { loadConfigFile } = await load<typeof ConfigFileModule>("gateway/cli/config-file.ts");
  const { SystemClock } = await load<typeof ClockModule>("core/clock.ts");
  const { silentLogger } = await load<typeof LoggerModule>("core/logger.ts");
  const { PrepaidEngine } = await load<typeof EngineModule>("gateway/billing/engine.ts");
  const { ReadingIngest } = await load<typeof IngestModule>("gateway/ingest/ingest.ts");
  const settings = await load<typeof SettingsModule>("gateway/billing/settings.ts");
  const store = await load<typeof StoreModule>("gateway/store/index.ts");
  return { loadConfigFile, SystemClock, silentLogger, PrepaidEngine, ReadingIngest, settings, store };
}

/**
 * The tree's ingest stage (ReadingIngest then PrepaidEngine) over a fresh store of the ingest site with
 * `meters` prepaid meters, its config written to `configFile`. The clock's monotonic time runs `aheadMs`
 * ahead, so readings stamped up to that far in the past are valid (the readings stream refuses negative
 * monotonic times).
 */
export async function treeIngest(
  tree: string,
  site: { name: string; configFile: string; dataDir: string; meters: number },
  aheadMs: number,
) {
  const m = await ingestModules(tree);
  writeFileSync(site.configFile, ingestSiteConfig(site.name, site.dataDir, site.meters));
  const { config } = await m.loadConfigFile(site.configFile);
  const clock = new m.SystemClock();
  clock.monotonicMs = () => performance.now() + aheadMs;
  const store = m.store.openStore({ dataDir: site.dataDir, clock });
  const engine = new m.PrepaidEngine({
    store,
    clock,
    logger: m.silentLogger(),
    settings: m.settings.compilePrepaidSettings(config),
    relay: { writeRelay: () => Promise.resolve(), readRelay: () => Promise.resolve(true) },
    hasRelay: () => false,
  });
  engine.start();
  return { store, clock, ingest: new m.ReadingIngest(store, engine) };
}
