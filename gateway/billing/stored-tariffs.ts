/**
 * Tariffs set by command since the config was written are in the store and win over the config's first
 * version. The settings are never changed in place: a new settings object is built from the old one.
 *
 * A `tariff.set` takes effect at its `effectiveFrom` (default: when applied). The version it replaces
 * is kept, with that instant as its end, in the kv table (`tariff.earlier.<id>`), so energy used before
 * the change is charged at the old price even when the reading that measures it comes after
 * (docs/mqtt.md 6.3). The newest {@link maxEarlierVersions} versions are kept.
 */
import type { Logger } from "../../core/logger.ts";
import {
  compileTariff,
  tariffConfigSchema,
  type Tariff,
  type TariffConfig,
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

/** The earliest `effectiveFrom` a new version of tariff `id` may have: the end of its newest earlier one. */
export function earliestEffectiveFrom(store: Store, id: string): number | undefined {
  return storedVersions(store, id).at(-1)?.untilMs;
}

/**
 * Stores `tariff` as the version in force from `effectiveFromMs`; the version it replaces (`previous`,
 * config shape, if the tariff existed) is kept until then. Call inside a unit of work, after checking
 * {@link earliestEffectiveFrom}. Returns the earlier versions, compiled.
 */
export function storeTariffVersion(
  store: Store,
  tariff: TariffConfig,
  effectiveFromMs: number,
  previous: unknown,
): TariffVersion[] {
  let versions = storedVersions(store, tariff.id);
  if (previous !== undefined) {
    versions = [...versions, { untilMs: effectiveFromMs, definition: previous }].slice(-maxEarlierVersions);
    store.kv.set(historyKey(tariff.id), versions);
  }
  store.tariffs.upsert(tariff.id, tariff.kind, tariff);
  return compileVersions(versions);
}
