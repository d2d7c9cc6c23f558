/**
 * Carries out relay operations: write through the meter's profile (ahead of polls), read back, audit
 * every operation (what, why, who asked, when, result) and report the read-back to the decision,
 * which re-drives a mismatch on the policy's schedule. One operation per meter at a time.
 */
import type { Clock } from "../../core/clock.ts";
import { isGatewayError } from "../../core/errors.ts";
import type { Logger } from "../../core/logger.ts";
import type { Store } from "../../store/index.ts";
import type { RelayReadback, RelayResult } from "../../store/index.ts";
import { recordEvent } from "./records.ts";

export interface RelayPort {
  writeRelay(meterId: string, closed: boolean): Promise<void>;
  readRelay(meterId: string): Promise<boolean>;
}

export interface RelayAct {
  kind: "relay";
  meterId: string;
  accountId: string;
  /** true = close (supply on), false = open (cut). */
  closed: boolean;
  reason: string;
  redrive: number | undefined;
  /** The audit row, created in the unit of work that decided the switch. */
  opId: number;
}

export class RelayRunner {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly inFlight = new Map<string, number>();
  private readonly doneMono = new Map<string, number>();

  constructor(
    private readonly deps: { store: Store; clock: Clock; logger: Logger; relay: RelayPort },
    private readonly onReadBack: (meterId: string, position: "open" | "closed") => void,
  ) {}

  busy(meterId: string): boolean {
    return (this.inFlight.get(meterId) ?? 0) > 0;
  }

  /** Monotonic ms the meter's last operation finished; readings taken before it are stale. */
  lastDoneMono(meterId: string): number {
    return this.doneMono.get(meterId) ?? -Infinity;
  }

  run(act: RelayAct): void {
    this.inFlight.set(act.meterId, (this.inFlight.get(act.meterId) ?? 0) + 1);
    const previous = this.chains.get(act.meterId) ?? Promise.resolve();
    const next = previous
      .then(() => this.operate(act))
      .catch((error: unknown) => {
        this.deps.logger.error({ err: error, meterId: act.meterId }, "relay operation failed");
      });
    this.chains.set(act.meterId, next);
  }

  /** Resolves when every queued operation has finished. */
  async idle(): Promise<void> {
    await Promise.all(this.chains.values());
  }

  private async operate(act: RelayAct): Promise<void> {
    const { store, relay, logger, clock } = this.deps;
    const action = act.closed ? "restore" : "cut";
    const op = { id: act.opId };
    let result: RelayResult = "ok";
    let readback: RelayReadback = "unknown";
    let detail: string | undefined;
    try {
      await relay.writeRelay(act.meterId, act.closed);
      const closed = await relay.readRelay(act.meterId);
      readback = closed ? "closed" : "open";
      if (closed !== act.closed) result = "readback_mismatch";
    } catch (error) {
      result = "failed";
      detail = isGatewayError(error) ? `${error.code}: ${error.message}` : String(error);
    }
    try {
      store.transaction(() => {
        store.relayOps.complete(op.id, { result, readback, ...(detail === undefined ? {} : { detail }) });
        const subject = { meterId: act.meterId, accountId: act.accountId };
        if (result === "ok") {
          recordEvent(store, {
            type: act.closed ? "restore.done" : "cut.done",
            severity: act.closed ? "info" : "warning",
            ...subject,
            message: act.closed ? `supply restored (${act.reason})` : `supply cut (${act.reason})`,
            data: { reason: act.reason, relayOpId: op.id, redrive: act.redrive ?? null },
          });
        } else if (result === "failed") {
          recordEvent(store, {
            type: "relay.failed",
            severity: "critical",
            ...subject,
            message: `could not ${action} the relay: ${detail}`,
            data: { action, reason: act.reason, relayOpId: op.id, error: detail ?? null },
          });
        }
      });
      logger.info(
        { meterId: act.meterId, action, reason: act.reason, result, readback },
        `relay ${action}: ${result}`,
      );
    } finally {
      this.doneMono.set(act.meterId, clock.monotonicMs());
      this.inFlight.set(act.meterId, (this.inFlight.get(act.meterId) ?? 1) - 1);
    }
    if (readback !== "unknown") this.onReadBack(act.meterId, readback);
  }
}
