/**
 * The gateway's {@link ClockHealth}: whether the wall clock is still trusted against the monotonic clock
 * since start, and the uptime. Used by /healthz, /status, metrics and the `time.check` command.
 */
import type { Clock } from "../../core/clock.ts";
import { checkClock } from "../prepaid/index.ts";
import type { ClockHealth } from "./ports.ts";

export class GatewayClockHealth implements ClockHealth {
  private startedWall = 0;
  private startedMono = 0;

  /**
   * @param toleranceMs how far the wall clock may step against the monotonic clock, ms (the policy in
   *   force; it changes on reload)
   */
  constructor(
    private readonly clock: Clock,
    private readonly toleranceMs: () => number,
  ) {}

  /** Anchors the check and the uptime at the start of the gateway. */
  start(): void {
    this.startedWall = this.clock.now();
    this.startedMono = this.clock.monotonicMs();
  }

  now(): number {
    return this.clock.now();
  }

  uptimeMs(): number {
    return this.clock.monotonicMs() - this.startedMono;
  }

  /**
   * Trusted when the wall clock has not stepped away from the monotonic clock since start by more than
   * the tolerance, and is plausible (after 2025).
   */
  check(): { ok: true } | { ok: false; detail: string } {
    const check = checkClock(
      { wallMs: this.startedWall, monoMs: this.startedMono },
      { wallMs: this.clock.now(), monoMs: this.clock.monotonicMs() },
      this.toleranceMs(),
    );
    if (check.ok) return check;
    return {
      ok: false,
      detail:
        check.anomaly === "wall-implausible"
          ? "the wall clock is before 2025: not set yet (no RTC, no NTP?)"
          : `the wall clock moved ${Math.round(check.skewMs / 1000)} s against the monotonic clock since start (${check.anomaly})`,
    };
  }
}
