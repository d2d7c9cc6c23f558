/**
 * Builds the prepayment terminals feature (gateway/terminals/) on the running billing feature: its bus
 * jobs go through the meters' buses, its display reads the engine's accounts, decisions and tariffs.
 */
import type { Clock } from "../../core/clock.ts";
import type { Logger } from "../../core/logger.ts";
import { loadTerminalProfiles } from "../../protocols/terminals/io/files.ts";
import type { Config } from "../config/index.ts";
import { priceAt } from "../prepaid/tariff.ts";
import type { Store } from "../store/index.ts";
import { Terminals } from "../terminals/terminals.ts";
import type { BillingFeature } from "./billing-feature.ts";

export interface TerminalsFeatureDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  billing: Pick<BillingFeature, "meters" | "engine" | "operations">;
  outboxChanged: () => void;
}

/** The terminals of `config`, not started; undefined when the config has none. */
export function buildTerminals(config: Config, deps: TerminalsFeatureDeps): Terminals | undefined {
  const terminals = config.terminals ?? [];
  if (terminals.length === 0) return undefined;
  const { billing, store } = deps;
  const { timezone, profilesDir } = config.gateway;
  const userDir = profilesDir === undefined ? undefined : `${profilesDir}/terminals`;
  return new Terminals({
    terminals,
    profiles: loadTerminalProfiles(userDir),
    ...{
      clock: deps.clock,
      logger: deps.logger,
      timeZone: timezone,
      store,
      outboxChanged: deps.outboxChanged,
    },
    runJob: (busId, deviceId, run) => billing.meters.runDeviceJob(busId, deviceId, run),
    sources: {
      account: (accountId) => store.accounts.get(accountId),
      supply: (meterId) => billing.operations.supplyView(meterId),
      meterIdsOf: (accountId) =>
        [...billing.engine.settings.meterAccount].filter(([, a]) => a === accountId).map(([m]) => m),
      priceE4: (tariffId, nowMs) => {
        const tariff = billing.engine.settings.tariffs.get(tariffId);
        return tariff === undefined ? 0 : priceAt(tariff, timezone, nowMs).priceE4;
      },
    },
  });
}
