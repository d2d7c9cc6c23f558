/**
 * When a meter's retained state (`meters/{id}/state`) goes out. The readings themselves travel through the
 * outbox (durable, QoS 1, every one); the retained state is the latest snapshot, "latest wins". Building
 * and publishing it for every poll cost as much CPU as storing the reading (issue 13: one QoS 1 message per
 * reading beside the outbox's batches), so:
 * - a change a user acts on (online/offline, relay, money state, account) goes out at once;
 * - any other change (a newer reading and with it lastSeen, a balance changed by a charge, a top-up, an
 *   adjustment or anomaly.resolve) goes out at most once per `intervalMs` per meter: the newest state, at
 *   the latest `intervalMs` after the previous publish;
 * - `flushAll` (at stop) sends every state still held back, so the last one is never lost.
 * `changed` runs for every stored reading (4,000 a second in the peer bench), so what a user acts on is
 * read into one reused {@link SignificantState} and compared field by field: building a key string per
 * reading was 3 % of the gateway's allocations with every reading published (docs/bench.md, fifth round).
 */
import type { Clock, TimerHandle } from "../../core/clock.ts";

/** What a user acts on in a meter's state now; a change of any field is published at once. */
export interface SignificantState {
  /** Link state: online, offline or unknown. */
  link: string;
  /** Relay position: closed, open or unknown. */
  relay: string;
  /** Money state of the meter's account, or "-" without one. */
  money: string;
  /** The account the meter bills, if any. */
  account: string | undefined;
}

export interface MeterStatePacerDeps {
  readonly clock: Clock;
  /** Minimum time between two reading-only refreshes of one meter, ms; 0 = every one at once. */
  readonly intervalMs: number;
  /** Fills `into` with what a user acts on in the meter's state now (online, relay, money state, account). */
  readonly significant: (meterId: string, into: SignificantState) => void;
  /** Builds and publishes the meter's state now. */
  readonly publish: (meterId: string) => void;
}

interface Sent {
  /** Monotonic ms of the last publish. */
  atMs: number;
  /** `significant` at that publish. */
  readonly state: SignificantState;
}

const emptyState = (): SignificantState => ({ link: "", relay: "", money: "", account: undefined });

function sameState(a: SignificantState, b: SignificantState): boolean {
  return a.link === b.link && a.relay === b.relay && a.money === b.money && a.account === b.account;
}

export class MeterStatePacer {
  private readonly sent = new Map<string, Sent>();
  /** Meters whose newest state is held back, in the order they became due. */
  private readonly held = new Set<string>();
  private timer: TimerHandle | undefined;
  /** Scratch for `significant`: filled and compared for every reading, copied only when published. */
  private readonly current = emptyState();

  constructor(private readonly deps: MeterStatePacerDeps) {}

  /** The meter's state changed (a stored reading, a link state): publish it now or when due. */
  changed(meterId: string): void {
    const { clock, intervalMs, significant } = this.deps;
    significant(meterId, this.current);
    const last = this.sent.get(meterId);
    if (
      last === undefined ||
      !sameState(last.state, this.current) ||
      clock.monotonicMs() - last.atMs >= intervalMs
    ) {
      this.publishNow(meterId);
      return;
    }
    this.held.add(meterId);
    this.arm();
  }

  /** Publishes every held-back state now (before the uplink stops). */
  flushAll(): void {
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const meterId of [...this.held]) this.publishCurrent(meterId);
  }

  /** States held back now. */
  heldCount(): number {
    return this.held.size;
  }

  /** Reads the meter's significant state, then publishes. */
  private publishCurrent(meterId: string): void {
    this.deps.significant(meterId, this.current);
    this.publishNow(meterId);
  }

  /** Publishes with `current` as the meter's significant state (just read by the caller). */
  private publishNow(meterId: string): void {
    this.held.delete(meterId);
    let sent = this.sent.get(meterId);
    if (sent === undefined) this.sent.set(meterId, (sent = { atMs: 0, state: emptyState() }));
    sent.atMs = this.deps.clock.monotonicMs();
    Object.assign(sent.state, this.current);
    this.deps.publish(meterId);
  }

  /**
   * One timer for all held meters, due when the first held one is, but at most ten times per interval
   * (each firing walks the held set): a held state goes out at most a tenth of an interval late.
   */
  private arm(): void {
    if (this.timer !== undefined) return;
    const first = this.held.values().next();
    if (first.done === true) return;
    const dueInMs = this.dueAt(first.value) - this.deps.clock.monotonicMs();
    const delayMs = Math.max(Math.ceil(dueInMs), Math.ceil(this.deps.intervalMs / 10));
    this.timer = this.deps.clock.setTimeout(() => this.onTimer(), delayMs);
  }

  private onTimer(): void {
    this.timer = undefined;
    const now = this.deps.clock.monotonicMs();
    for (const meterId of [...this.held]) if (this.dueAt(meterId) <= now) this.publishCurrent(meterId);
    this.arm();
  }

  private dueAt(meterId: string): number {
    return (this.sent.get(meterId)?.atMs ?? 0) + this.deps.intervalMs;
  }
}
