/**
 * A reloaded config (SIGHUP): what changes in place (meters, buses, accounts, tariffs, policy), what needs
 * a restart, and the stored tariffs and account settings the file changed, with a `config.reloaded`
 * event, in one transaction.
 */
import type { Config } from "../config/index.ts";
import type { Store } from "../store/index.ts";
import { configReloadedEvent } from "../uplink/event-specs/index.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";
import { storedSettingsOf } from "../billing/seed.ts";
import type { PrepaidSettings } from "../billing/settings.ts";
import { reloadTariff } from "../billing/stored-tariffs.ts";
import type { TariffConfig } from "../prepaid/index.ts";

/** What a reload does: the sections applied, the settings that wait for a restart, the config in force. */
export interface ReloadPlan {
  readonly applied: Array<"buses" | "meters" | "accounts" | "tariffs" | "policy">;
  readonly needsRestart: string[];
  /** `next`, keeping the `gateway`, `mqtt` and `terminals` sections of `prev` (they need a restart). */
  readonly config: Config;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Compares two configs section by section. */
export function planReload(prev: Config, next: Config): ReloadPlan {
  const needsRestart = (
    ["id", "dataDir", "timezone", "httpPort", "profilesDir", "logLevel", "diskReserveMiB"] as const
  )
    .filter((key) => !same(prev.gateway[key], next.gateway[key]))
    .map((key) => `gateway.${key}`);
  // Keys are re-read on every reload (uplink-feature.ts): a changed key list or file needs no restart.
  if (!same(withoutKeys(prev.mqtt), withoutKeys(next.mqtt))) needsRestart.push("mqtt");
  // The terminals' loops are built once at start (gateway/terminals/); a change waits for a restart.
  if (!same(prev.terminals, next.terminals)) needsRestart.push("terminals");
  const applied = (["buses", "meters", "accounts", "tariffs", "policy"] as const).filter(
    (key) => !same(prev[key], next[key]),
  );
  const mqtt =
    prev.mqtt === undefined || next.mqtt === undefined
      ? prev.mqtt
      : { ...withoutKeys(prev.mqtt)!, ...keysOf(next.mqtt) };
  return {
    applied,
    needsRestart,
    config: { ...next, gateway: prev.gateway, mqtt, terminals: prev.terminals },
  };
}

type MqttSection = NonNullable<Config["mqtt"]>;

/** The `mqtt` section without the key settings a reload applies in place. */
function withoutKeys(mqtt: MqttSection | undefined): MqttSection | undefined {
  if (mqtt === undefined) return undefined;
  const { commandKeyFile: _file, commandKeys: _keys, uplinkKey: _uplink, ...rest } = mqtt;
  return rest;
}

/** Just the key settings of an `mqtt` section (absent ones stay absent). */
function keysOf(mqtt: MqttSection): Partial<MqttSection> {
  const { commandKeyFile, commandKeys, uplinkKey } = mqtt;
  return Object.fromEntries(
    Object.entries({ commandKeyFile, commandKeys, uplinkKey }).filter(([, value]) => value !== undefined),
  );
}

/**
 * Stores the tariffs the file changed and the account fields edited in it since the last load (the rest
 * keep what commands set), and records `config.reloaded`; one transaction.
 */
export function storeReload(
  store: Store,
  prev: Config,
  next: Config,
  settings: PrepaidSettings,
  plan: ReloadPlan,
  nowMs: number,
): void {
  const { applied, needsRestart } = plan;
  store.transaction(() => {
    for (const tariff of next.tariffs ?? []) {
      const before = prev.tariffs?.find((t) => t.id === tariff.id);
      // A changed tariff is a new current set from now (its definition as written, config shape).
      if (!same(before, tariff)) reloadTariff(store, settings, tariff as TariffConfig, nowMs);
    }
    for (const account of settings.accounts.values()) {
      const before = prev.accounts?.find((a) => a.id === account.id);
      const after = next.accounts?.find((a) => a.id === account.id);
      if (before === undefined || after === undefined || same(before, after)) continue;
      if (store.accounts.get(account.id) === undefined) continue;
      store.accounts.updateSettings(account.id, { tariffId: account.tariffId, ...storedSettingsOf(account) });
    }
    recordEvent(store, configReloadedEvent(applied, needsRestart));
  });
}
