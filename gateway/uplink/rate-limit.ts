/**
 * A token bucket on the injected monotonic clock (STYLE.md principle 5): used to pace the backlog drain,
 * to limit relay commands and to bound how fast refusals from unauthenticated senders fill the audit log.
 */
import type { Clock } from "../../core/clock.ts";

export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  /**
   * @param ratePerSec tokens added per second, > 0
   * @param burst bucket size (tokens available at once), >= 1; the bucket starts full
   */
  constructor(
    private readonly clock: Clock,
    private readonly ratePerSec: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
    this.lastMs = clock.monotonicMs();
  }

  private refill(): void {
    const now = this.clock.monotonicMs();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastMs) * this.ratePerSec) / 1000);
    this.lastMs = now;
  }

  /** Takes one token if there is one. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whole tokens available now. */
  available(): number {
    this.refill();
    return Math.floor(this.tokens);
  }

  /** Milliseconds until one token is available (0 if one is). */
  msUntilNext(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSec);
  }
}

/**
 * The refusal of a relay command over the per-minute budget (a token bucket of `perMinute` tokens,
 * refilled at `perMinute` a minute), or undefined when a token was taken.
 */
export function relayRateRefusal(
  bucket: TokenBucket,
  perMinute: number,
): { code: "RATE_LIMITED"; message: string; details: Record<string, number> } | undefined {
  if (bucket.tryTake()) return undefined;
  const details = { retryAfterMs: bucket.msUntilNext(), bucketSize: perMinute, refillPerMinute: perMinute };
  return { code: "RATE_LIMITED", message: `more than ${perMinute} relay commands per minute`, details };
}
