/**
 * Carries out relay operations: write through the meter's profile (ahead of polls), read back, audit
 * every operation (what, why, who asked, when, result) and report the read-back to the decision,
 * which re-drives a mismatch on the policy's schedule. One operation per meter at a time. It also says
 * which command a polled relay position follows ({@link RelayRunner.commandBefore}): a position read
 * before a write cannot confirm or contradict it.
 */
import type { Clock } from "../../core/clock.ts";
import { isGatewayError } from "../../core/errors.ts";
import type { Logger } from "../../core/logger.ts";
import type { Store } from "../store/index.ts";
import type { RelayReadback, RelayResult } from "../store/index.ts";
import { relayDoneEvent, relayFailedEvent } from "../uplink/event-specs/index.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";

export interface RelayPort {
  writeRelay(meterId: string, closed: boolean): Promise<void>;
  readRelay(meterId: string): Promise<boolean>;
}

/** A relay switch the engine decided, run after the unit of work that decided it commits. */
export interface RelayOperation {
  kind: "relay";
  meterId: string;
  accountId: string;
  /** true = close (supply on), false = open (cut). */
  closed: boolean;
  reason: string;
  redrive: number | undefined;
  /** The audit row, created in the unit of work that decided the switch. */
  opId: number;
  /** The decision's number for this command (DecisionState.relayCommand). */
  command: number;
}

/** The last relay write of a meter that has finished (done or failed). */
interface Written {
  readonly command: number;
  /** Monotonic ms it finished: a poll that completed later read the relay after it. */
  readonly doneMonoMs: number;
}

export class RelayRunner {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly written = new Map<string, Written>();

  constructor(
    private readonly deps: { store: Store; clock: Clock; logger: Logger; relay: RelayPort },
    private readonly onReadBack: (meterId: string, position: "open" | "closed", afterCommand: number) => void,
  ) {}

  /**
   * Takes over the command number a meter's decision had reached in an earlier process: whatever that
   * process wrote (or failed to write) is done, so positions read from now on are read after it.
   * Ignored once this process has written to the meter.
   */
  baseline(meterId: string, command: number): void {
    if (!this.written.has(meterId)) this.written.set(meterId, { command, doneMonoMs: -Infinity });
  }

  /**
   * The number of the last relay command whose write had finished before a poll that completed at
   * `monoMs` (polls and writes take turns on the bus, so a poll completing after a write read after it).
   * 0 when nothing was written to the meter; one below the last write's number for a poll that finished
   * before that write did, which is all such a poll can be said to follow.
   */
  commandBefore(meterId: string, monoMs: number): number {
    const last = this.written.get(meterId);
    if (last === undefined) return 0;
    return monoMs > last.doneMonoMs ? last.command : last.command - 1;
  }

  run(operation: RelayOperation): void {
    const previous = this.chains.get(operation.meterId) ?? Promise.resolve();
    const next = previous
      .then(() => this.operate(operation))
      .catch((error: unknown) => {
        this.deps.logger.error({ err: error, meterId: operation.meterId }, "relay operation failed");
      });
    this.chains.set(operation.meterId, next);
  }

  /** Resolves when every queued operation has finished. */
  async idle(): Promise<void> {
    await Promise.all(this.chains.values());
  }

  private async operate(operation: RelayOperation): Promise<void> {
    const { store, relay, logger, clock } = this.deps;
    const action = operation.closed ? "restore" : "cut";
    const op = { id: operation.opId };
    let result: RelayResult = "ok";
    let readback: RelayReadback = "unknown";
    let detail: string | undefined;
    try {
      try {
        await relay.writeRelay(operation.meterId, operation.closed);
      } finally {
        // Done or failed, the attempt is over: what polls read from now on is the relay's answer to it.
        this.written.set(operation.meterId, { command: operation.command, doneMonoMs: clock.monotonicMs() });
      }
      const closed = await relay.readRelay(operation.meterId);
      readback = closed ? "closed" : "open";
      if (closed !== operation.closed) result = "readback_mismatch";
    } catch (error) {
      result = "failed";
      detail = isGatewayError(error) ? `${error.code}: ${error.message}` : String(error);
    }
    store.transaction(() => {
      store.relayOps.complete(op.id, { result, readback, ...(detail === undefined ? {} : { detail }) });
      const subject = { meterId: operation.meterId, accountId: operation.accountId };
      if (result === "ok") recordEvent(store, relayDoneEvent(subject, operation, op.id));
      else if (result === "failed")
        recordEvent(
          store,
          relayFailedEvent(subject, { action, reason: operation.reason, relayOpId: op.id, detail }),
        );
    });
    // The story is logged from the events above (service/event-log.ts); this is the detail.
    logger.debug(
      { meterId: operation.meterId, action, reason: operation.reason, result, readback },
      `relay ${action}: ${result}`,
    );
    if (readback !== "unknown") this.onReadBack(operation.meterId, readback, operation.command);
  }
}
