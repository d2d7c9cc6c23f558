/** What the prepaid engine (engine.ts) is built from. */
import type { Clock } from "../../core/clock.ts";
import type { Logger } from "../../core/logger.ts";
import type { Store } from "../store/index.ts";
import type { PlatformContact } from "../prepaid/index.ts";
import type { PrepaidSettings } from "./settings.ts";
import type { RelayPort } from "./relay-runner.ts";

export interface PrepaidEngineDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  settings: PrepaidSettings;
  relay: RelayPort;
  /** Whether a meter has a relay the engine may drive. */
  hasRelay: (meterId: string) => boolean;
  /**
   * After the outermost commit of a balance change: the meters whose shown balance changed (every meter
   * of the account but the one whose reading was charged, which is shown with that reading).
   */
  balanceShown?: (meterIds: readonly string[]) => void;
  /** The platform contact for the keep-power safeguards (platform-silence.ts); absent: not watched. */
  contact?: () => PlatformContact | undefined;
}
