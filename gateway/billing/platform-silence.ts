/**
 * Watches for platform silence (DL/T 698.45 object 8001: automatic keep-power after N minutes without
 * contact with the master station). Contact is a valid platform message: a signed command the uplink
 * admitted (signature, gateway id, validity window) and had not seen before. A broker connection alone
 * is not contact: a broker can be up while the platform behind it is not, and then nobody would hear a
 * customer's top-up. Platforms should therefore send a signed command periodically (`time.check`).
 *
 * The decisions read {@link PlatformSilence.contact} and hold automatic cuts while silent; this raises
 * `keep-power.silence` once when the silence starts, `keep-power.silence.cleared` when contact returns,
 * and then has every decision look again so the cuts that waited can run.
 */
import { wholeMs, type Clock, type TimerHandle } from "../../core/clock.ts";
import type { Logger } from "../../core/logger.ts";
import type { PlatformContact, Policy } from "../prepaid/index.ts";
import type { Store } from "../store/index.ts";
import { platformSilenceEvent } from "../uplink/event-specs/index.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";

export interface PlatformSilenceDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The policy in force (keepPowerAfterSilenceMs; a reload may change it). */
  readonly policy: () => Policy;
  /** Whether there is a platform to hear (an uplink is configured). */
  readonly watched: boolean;
  /** Contact returned after a silence: decisions should look again. */
  readonly onContactReturned: () => void;
}

export class PlatformSilence {
  private bootMonoMs: number | undefined;
  private lastMessageMonoMs: number | undefined;
  private lastMessageWallMs: number | undefined;
  private silent = false;
  private timer: TimerHandle | undefined;

  constructor(private readonly deps: PlatformSilenceDeps) {}

  /** Starts counting: boot keep-power and silence count from now. */
  start(): void {
    this.bootMonoMs = wholeMs(this.deps.clock.monotonicMs());
    this.arm();
  }

  stop(): void {
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** What the decisions read; undefined before start(). */
  contact(): PlatformContact | undefined {
    if (this.bootMonoMs === undefined) return undefined;
    return {
      bootMonoMs: this.bootMonoMs,
      lastMessageMonoMs: this.lastMessageMonoMs,
      watched: this.deps.watched,
    };
  }

  /** Whether the silence event is raised now (for status). */
  get isSilent(): boolean {
    return this.silent;
  }

  /**
   * For status: whether keep-power for silence is in force, and the last valid platform message (epoch
   * ms; undefined: none since start).
   */
  status(): { silent: boolean; lastMessageMs: number | undefined } {
    return { silent: this.silent, lastMessageMs: this.lastMessageWallMs };
  }

  /** A valid platform message arrived. */
  heard(): void {
    const { clock } = this.deps;
    const nowMono = wholeMs(clock.monotonicMs());
    const silentForMs = nowMono - (this.lastMessageMonoMs ?? this.bootMonoMs ?? nowMono);
    const lastMessageMs = this.lastMessageWallMs;
    this.lastMessageMonoMs = nowMono;
    this.lastMessageWallMs = wholeMs(clock.now());
    if (this.silent) {
      this.silent = false;
      this.record(platformSilenceEvent("cleared", { lastMessageMs, silentForMs }));
      this.deps.onContactReturned();
    }
    this.arm();
  }

  /** The policy was reloaded: the silence limit may have changed (or been set or removed). */
  policyChanged(): void {
    if (this.bootMonoMs !== undefined) this.arm();
  }

  /** Sets the timer for when the silence would start, if watched and configured. */
  private arm(): void {
    const { clock, policy, watched } = this.deps;
    this.stop();
    const silenceMs = policy().keepPowerAfterSilenceMs;
    const from = this.lastMessageMonoMs ?? this.bootMonoMs;
    if (!watched || silenceMs === undefined || from === undefined || this.silent) return;
    const dueInMs = Math.max(0, from + silenceMs - clock.monotonicMs());
    this.timer = clock.setTimeout(() => this.check(), dueInMs);
  }

  private check(): void {
    this.timer = undefined;
    const silenceMs = this.deps.policy().keepPowerAfterSilenceMs;
    const from = this.lastMessageMonoMs ?? this.bootMonoMs;
    if (silenceMs === undefined || from === undefined) return;
    const silentForMs = wholeMs(this.deps.clock.monotonicMs()) - from;
    if (silentForMs < silenceMs) return this.arm();
    this.silent = true;
    this.record(platformSilenceEvent("raised", { lastMessageMs: this.lastMessageWallMs, silentForMs }));
  }

  private record(event: ReturnType<typeof platformSilenceEvent>): void {
    const { store, logger } = this.deps;
    try {
      store.transaction(() => recordEvent(store, event));
    } catch (error) {
      // The keep-power itself does not depend on the record: the decisions read contact() directly.
      logger.error({ err: error, type: event.type }, "platform silence event not recorded");
    }
  }
}
