/**
 * Keeps one bus's link (serial port or TCP connection) open, and says honestly whether it works.
 * - The bus is `up` once the link carried a reply (a TCP peer that accepts and closes at once, or never
 *   answers, opens fine: opening proves nothing), `down` after a link failure, with the reason.
 * - After a failure the link is closed (bounded by the transport) and reopened on its own with
 *   exponential backoff on the injected Clock, so a replugged USB adapter or a rebooted converter comes
 *   back without a restart and a hostile peer is not hammered. Jobs meanwhile fail at once with the
 *   failure, so the meters go offline instead of queueing behind a dead link.
 * - On TCP, a connection on which several requests in a row got no byte back is dropped as silent
 *   (CONNECTION_SILENT): a peer that vanished without FIN or RST is found by request timeouts.
 */
import type { Clock, TimerHandle } from "../../core/clock.ts";
import { ErrorCode, GatewayError, errorCounterKey, isGatewayError } from "../../core/errors.ts";
import { isBusFailure, newBusCounters, type BusCounters, type BusState } from "./counters.ts";
import type { BusLink } from "./link.ts";

export interface LinkSupervisorOptions {
  busId: string;
  clock: Clock;
  /** Delay before the first reopen after a failure, ms (10..60000); doubles per failure. Default 1000. */
  reopenDelayMs?: number;
  /** Longest delay between reopen attempts, ms (reopenDelayMs..3600000). Default 30000. */
  reopenMaxMs?: number;
  /**
   * Consecutive requests without a byte back before the connection is dropped as silent (1..100);
   * 0 never (serial lines, where silence is the meters' problem, not the port's). Default 0.
   */
  silentAfterTimeouts?: number;
  onBusState?: (state: "up" | "down", error?: GatewayError) => void;
}

export class LinkSupervisor {
  readonly counters: BusCounters = newBusCounters();
  /** Link failures so far (each closed the link and scheduled a reopen). */
  linkFailures = 0;
  /** The failure that took the link down, until a reply proves it works again. */
  private failure: GatewayError | undefined;
  private delayMs: number;
  private timer: TimerHandle | undefined;
  private opening: Promise<void> | undefined;
  private closing: Promise<void> = Promise.resolve();
  private silentTimeouts = 0;
  private stopped = false;
  private readonly reopenListeners = new Set<() => void>();

  constructor(
    private readonly link: BusLink,
    private readonly options: LinkSupervisorOptions,
  ) {
    this.delayMs = options.reopenDelayMs ?? 1000;
  }

  /** Calls `listener` each time the link opens again after a failure (to poll its meters at once). */
  onReopen(listener: () => void): void {
    this.reopenListeners.add(listener);
  }

  /** Opens the link if it is not open; while a reopen is pending, throws the failure at once. */
  async ensureOpen(): Promise<void> {
    if (this.stopped)
      throw new GatewayError(ErrorCode.PortClosed, `bus ${this.options.busId} stopped`, {
        busId: this.options.busId,
      });
    if (this.link.isOpen) return;
    const reopenAt = this.counters.reopenAtMono;
    if (this.failure !== undefined && reopenAt !== undefined && this.options.clock.monotonicMs() < reopenAt)
      throw this.failure;
    await this.open();
  }

  /** A request got an answer (a value, an exception, even a mangled reply): the link works. */
  replied(): void {
    this.silentTimeouts = 0;
    this.failure = undefined;
    this.delayMs = this.options.reopenDelayMs ?? 1000;
    this.setState("up");
  }

  /**
   * A request failed. Returns the error to report: a timeout that proves the connection silent becomes
   * CONNECTION_SILENT. A link failure closes the link and schedules the reopen.
   */
  async requestFailed(error: GatewayError): Promise<GatewayError> {
    // A request cut short by stop() says nothing about the link.
    if (this.stopped) return error;
    let e = error;
    if (e.code === ErrorCode.Timeout) {
      const limit = this.options.silentAfterTimeouts ?? 0;
      this.silentTimeouts += 1;
      if (limit > 0 && this.silentTimeouts >= limit) {
        e = new GatewayError(
          ErrorCode.ConnectionSilent,
          `${this.link.description}: no reply to the last ${limit} requests on this connection; reconnecting`,
          e.context,
        );
      }
    } else if (!isBusFailure(e) && e.code !== ErrorCode.Internal) {
      this.replied();
    }
    if (isBusFailure(e)) await this.failed(e);
    return e;
  }

  /** Stops reopening and closes the link (bounded by the transport's close timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    await this.opening?.catch(() => {});
    await this.link.close();
  }

  private open(): Promise<void> {
    this.opening ??= this.attemptOpen().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async attemptOpen(): Promise<void> {
    this.clearTimer();
    await this.closing;
    try {
      await this.link.open();
    } catch (error) {
      const e = isGatewayError(error)
        ? error
        : new GatewayError(ErrorCode.TransportError, `${this.link.description}: ${String(error)}`);
      await this.failed(e);
      throw e;
    }
    this.counters.opens += 1;
    this.counters.reopenAtMono = undefined;
    if (this.stopped) {
      await this.link.close();
      return;
    }
    if (this.failure !== undefined) for (const listener of this.reopenListeners) listener();
  }

  private async failed(error: GatewayError): Promise<void> {
    const { clock } = this.options;
    this.linkFailures += 1;
    const key = errorCounterKey(error);
    this.counters.errors[key] = (this.counters.errors[key] ?? 0) + 1;
    this.counters.lastError = { code: key, message: error.message, atMs: clock.now() };
    this.silentTimeouts = 0;
    this.failure = error;
    this.setState("down", error);
    if (!this.stopped) {
      this.clearTimer();
      const delay = this.delayMs;
      this.delayMs = Math.min(this.delayMs * 2, this.options.reopenMaxMs ?? 30_000);
      this.counters.reopenAtMono = clock.monotonicMs() + delay;
      this.timer = clock.setTimeout(() => {
        this.timer = undefined;
        if (!this.stopped && !this.link.isOpen) this.open().catch(() => {});
      }, delay);
    }
    // A reopen waits for this close: a serial device cannot be opened twice.
    this.closing = this.link.close();
    await this.closing;
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private setState(state: Exclude<BusState, "unknown">, error?: GatewayError): void {
    if (state === "down" && this.counters.downSinceMs === undefined)
      this.counters.downSinceMs = this.options.clock.now();
    if (state === "up") this.counters.downSinceMs = undefined;
    if (this.counters.state === state) return;
    this.counters.state = state;
    this.options.onBusState?.(state, error);
  }
}
