/**
 * Every stored event also becomes one log line, so `journalctl -u meter-gateway` tells the story of a
 * site (alarms, announced and executed cuts, restores, held readings, relay failures, meters going
 * quiet) in the same words the platform gets: the message is the event's own wording
 * (gateway/uplink/event-specs/), prefixed with the meter or account it is about; the type, severity,
 * meter, account and data are fields, for `jq` or pino-pretty filters.
 *
 * Lines come from the events table, read after the fact on a short timer: an event whose unit of work
 * rolled back was never stored and is never logged, and no producer needs a logger of its own.
 */
import type { Clock, TimerHandle } from "../../core/clock.ts";
import type { Logger } from "../../core/logger.ts";
import type { EventSeverity, Store, StoredEvent } from "../store/index.ts";

export interface EventLogDeps {
  readonly store: Pick<Store, "events">;
  readonly logger: Logger;
  /** Paces the reads; real time (the demo's accelerated clock would spin the timer). */
  readonly clock: Clock;
  /** How often new events are read, ms: 50..10000, default 250. */
  readonly intervalMs?: number;
}

/** Events read per pass; a burst larger than this is logged over the next passes. */
const batchSize = 500;

const levelOf: Record<EventSeverity, "info" | "warn" | "error"> = {
  info: "info",
  warning: "warn",
  alarm: "warn",
  critical: "error",
};

/** The log line of a stored event: "meter flat-2: supply cut (arrears)" and its fields. */
export function eventLine(event: StoredEvent): { fields: Record<string, unknown>; message: string } {
  const body = (event.payload ?? {}) as { message?: unknown; data?: unknown };
  const message = typeof body.message === "string" ? body.message : event.type;
  const subject =
    event.meterId !== null
      ? `meter ${event.meterId}`
      : event.accountId !== null
        ? `account ${event.accountId}`
        : "";
  const named = subject === "" || message.startsWith(subject);
  return {
    fields: {
      event: event.type,
      severity: event.severity,
      eventId: event.id,
      ...(event.meterId === null ? {} : { meterId: event.meterId }),
      ...(event.accountId === null ? {} : { accountId: event.accountId }),
      ...(body.data === undefined ? {} : { data: body.data }),
    },
    message: named ? message : `${subject}: ${message}`,
  };
}

export class EventLog {
  private lastId = 0;
  private timer: TimerHandle | undefined;
  private running = false;

  constructor(private readonly deps: EventLogDeps) {}

  /** Starts after the events already stored: a restart does not log the history again. */
  start(): void {
    this.lastId = this.deps.store.events.lastId();
    this.running = true;
    this.arm();
  }

  /** Logs what is left, then stops; call before the database closes. */
  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.drain();
  }

  /** Logs the events stored since the last pass. */
  drain(): void {
    const { store, logger } = this.deps;
    try {
      for (const event of store.events.list({ afterId: this.lastId, limit: batchSize })) {
        this.lastId = event.id;
        const { fields, message } = eventLine(event);
        logger[levelOf[event.severity]](fields, message);
      }
    } catch (error) {
      logger.warn({ err: error }, "could not read new events for the log");
    }
  }

  private arm(): void {
    if (!this.running) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.drain();
      this.arm();
    }, this.deps.intervalMs ?? 250);
  }
}
