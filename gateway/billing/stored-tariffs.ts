/**
 * Tariffs set by command since the config was written are in the store and win over the config's first
 * version. The settings are never changed in place: a new settings object is built from the old one.
 *
 * A `tariff.set` takes effect at its `effectiveFrom` (default: when applied), as the current or the next
 * set (prepaid/tariff-sets.ts decides). The tariffs row holds the newest version (the next set while one
 * is pending); the versions before it are kept, each with the instant it stopped, in the kv table
 * (`tariff.earlier.<id>`), so energy used before a change is charged at the old price even when the
 * reading that measures it comes after (docs/mqtt.md 6.3). Both are in the SQLite file: the current and
 * next sets survive a restart. The newest {@link maxEarlierVersions} earlier versions are kept.
 */
import type { Logger } from "../../core/logger.ts";
import {
  compileTariff,
  planTariffSet,
  tariffConfigSchema,
  type Tariff,
  type TariffConfig,
  type TariffTimeline,
  type TariffVersion,
} from "../prepaid/index.ts";
import type { Store } from "../store/index.ts";
import type { PrepaidSettings } from "./settings.ts";

/** How many earlier versions of one tariff are kept (a reading older than all of them is rare). */
export const maxEarlierVersions = 32;

/** An earlier version as stored: the definition (config shape) and when it stopped, epoch ms. */
interface StoredVersion {
  readonly untilMs: number;
  readonly definition: unknown;
}

const historyKey = (id: string) => `tariff.earlier.${id}`;

function storedVersions(store: Store, id: string): StoredVersion[] {
  return (store.kv.get(historyKey(id)) as StoredVersion[] | undefined) ?? [];
}

function compileVersions(versions: readonly StoredVersion[]): TariffVersion[] {
  return versions.flatMap((v) => {
    const parsed = tariffConfigSchema.safeParse(v.definition);
    return parsed.success ? [{ untilMs: v.untilMs, tariff: compileTariff(parsed.data) }] : [];
  });
}

/** `settings` with every valid stored tariff compiled over the configured one of the same id. */
export function withStoredTariffs(store: Store, logger: Logger, settings: PrepaidSettings): PrepaidSettings {
  const tariffs = new Map(settings.tariffs);
  const tariffHistory = new Map(settings.tariffHistory);
  for (const stored of store.tariffs.list()) {
    const parsed = tariffConfigSchema.safeParse(stored.definition);
    if (parsed.success) tariffs.set(stored.id, compileTariff(parsed.data));
    else logger.error({ tariff: stored.id }, "stored tariff is invalid; keeping the configured one");
    const earlier = compileVersions(storedVersions(store, stored.id));
    if (earlier.length > 0) tariffHistory.set(stored.id, earlier);
  }
  return { ...settings, tariffs, tariffHistory };
}

/** `settings` with one tariff added or replaced, and its earlier versions. */
export function withTariff(
  settings: PrepaidSettings,
  id: string,
  tariff: Tariff,
  earlier: readonly TariffVersion[] = [],
): PrepaidSettings {
  return {
    ...settings,
    tariffs: new Map(settings.tariffs).set(id, tariff),
    tariffHistory: new Map(settings.tariffHistory).set(id, earlier),
  };
}

/**
 * The stored versions of tariff `id` as definitions (config shape): the kv history and the tariffs row,
 * or the configured definition when none (or no valid one) is stored; undefined for a tariff never
 * defined.
 */
export function storedTimeline(
  store: Store,
  settings: PrepaidSettings,
  id: string,
): TariffTimeline<unknown> | undefined {
  const row = store.tariffs.get(id)?.definition;
  // An invalid row is not in force (withStoredTariffs keeps the configured one), so it is not the base.
  const latest = tariffConfigSchema.safeParse(row).success ? row : settings.tariffConfigs.get(id);
  if (latest === undefined) return undefined;
  const earlier = storedVersions(store, id).map((v) => ({ untilMs: v.untilMs, value: v.definition }));
  return { earlier, latest };
}

/**
 * Stores `tariff.set`'s planned timeline of `tariff` (the newest {@link maxEarlierVersions} earlier
 * versions are kept). Call inside a unit of work. Returns the earlier versions and the newest, compiled.
 */
export function storeTimeline(
  store: Store,
  id: string,
  timeline: TariffTimeline<unknown>,
): { latest: Tariff; earlier: TariffVersion[] } {
  const versions = timeline.earlier
    .map((v) => ({ untilMs: v.untilMs, definition: v.value }))
    .slice(-maxEarlierVersions);
  store.kv.set(historyKey(id), versions);
  const latest = tariffConfigSchema.parse(timeline.latest);
  store.tariffs.upsert(latest.id, latest.kind, latest);
  return { latest: compileTariff(latest), earlier: compileVersions(versions) };
}

/**
 * A tariff the reloaded config file changed: the file's version is its current set from `nowMs` (epoch
 * ms), as a `tariff.set` without effectiveFrom would make it; a next set set by command stays pending.
 */
export function reloadTariff(
  store: Store,
  settings: PrepaidSettings,
  tariff: TariffConfig,
  nowMs: number,
): void {
  const plan = planTariffSet<unknown>(storedTimeline(store, settings, tariff.id), tariff, nowMs);
  if (plan.kind === "apply") storeTimeline(store, tariff.id, plan.timeline);
}
