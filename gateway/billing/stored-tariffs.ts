/**
 * Tariffs set by command since the config was written are in the store and win over the config's first
 * version. The settings are never changed in place: a new settings object is built from the old one.
 */
import type { Logger } from "../../core/logger.ts";
import { compileTariff, tariffConfigSchema, type Tariff } from "../prepaid/index.ts";
import type { Store } from "../store/index.ts";
import type { PrepaidSettings } from "./settings.ts";

/** `settings` with every valid stored tariff compiled over the configured one of the same id. */
export function withStoredTariffs(store: Store, logger: Logger, settings: PrepaidSettings): PrepaidSettings {
  const tariffs = new Map(settings.tariffs);
  for (const stored of store.tariffs.list()) {
    const parsed = tariffConfigSchema.safeParse(stored.definition);
    if (parsed.success) tariffs.set(stored.id, compileTariff(parsed.data));
    else logger.error({ tariff: stored.id }, "stored tariff is invalid; keeping the configured one");
  }
  return { ...settings, tariffs };
}

/** `settings` with one tariff added or replaced. */
export function withTariff(settings: PrepaidSettings, id: string, tariff: Tariff): PrepaidSettings {
  return { ...settings, tariffs: new Map(settings.tariffs).set(id, tariff) };
}
