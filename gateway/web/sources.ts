/**
 * What the web page reads, each a narrow port built once by the composition root: the status service
 * (the same snapshot as /status), the supply view of the prepaid engine, the meters' bus counters,
 * the stored history (read-only repositories, no SQL here) and the uplink's delivery.
 */
import type { SupplyView } from "../billing/supply-view.ts";
import type { Store } from "../store/index.ts";
import type { ClockHealth, MeterDirectory } from "../service/ports.ts";
import type { StatusService } from "../service/status-report.ts";

export interface WebSources {
  readonly status: Pick<StatusService, "snapshot" | "problems">;
  readonly supply: (meterId: string) => SupplyView;
  readonly meters: Pick<MeterDirectory, "busStats" | "meter">;
  readonly history: Pick<Store, "readings" | "ledger" | "events" | "relayOps" | "accounts">;
  readonly clock: Pick<ClockHealth, "now">;
  /** Software version, e.g. `0.1.0`. */
  readonly version: string;
  /** Whether an uplink is configured, whether it is connected, and when the broker last acknowledged. */
  readonly uplink: () => { configured: boolean; connected: boolean; lastPublishAtMs: number | null };
}
