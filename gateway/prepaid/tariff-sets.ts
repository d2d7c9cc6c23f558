/**
 * Current and next tariff sets (DL/T 645 DI 04000108 "两套费率电价切换时间": a meter holds a current and a
 * standby set and switches at a set instant). Tariffs are shared ids that accounts are bound to; each
 * id keeps a timeline of versions: earlier ones, each with the instant it stopped, and the newest. At
 * any instant a tariff has one version in force (the current set) and at most one that has not taken
 * effect yet (the next set). An account's current and next sets are those of the tariff it is bound to.
 *
 * {@link planTariffSet} is the whole decision of a `tariff.set`, pure: a version in the future becomes
 * (or replaces) the next set; one in the past or now changes the current set and keeps the next; a
 * version that would replace one already in force since is refused. Generic over the version's form,
 * so it serves stored definitions and compiled tariffs alike.
 */

/** A version that stopped at `untilMs` (epoch ms, exclusive), when the following one took over. */
export interface EndedVersion<T> {
  readonly untilMs: number;
  readonly value: T;
}

/** All versions of one tariff: earlier ones by ascending `untilMs`, then the newest (no end). */
export interface TariffTimeline<T> {
  readonly earlier: readonly EndedVersion<T>[];
  readonly latest: T;
}

/** The sets of a tariff at one instant. */
export interface TariffSets<T> {
  /** The version in force. */
  readonly current: T;
  /** When it took effect, epoch ms; undefined: since the tariff was first defined. */
  readonly currentSinceMs: number | undefined;
  /** The version that takes effect later, and when (epoch ms, > now); undefined: none set. */
  readonly next: { readonly value: T; readonly effectiveFromMs: number } | undefined;
}

/** The current and next sets of `timeline` at `nowMs` (epoch ms). */
export function tariffSetsAt<T>(timeline: TariffTimeline<T>, nowMs: number): TariffSets<T> {
  const { earlier, latest } = timeline;
  const last = earlier.at(-1);
  if (last !== undefined && last.untilMs > nowMs) {
    return {
      current: last.value,
      currentSinceMs: earlier.at(-2)?.untilMs,
      next: { value: latest, effectiveFromMs: last.untilMs },
    };
  }
  return { current: latest, currentSinceMs: last?.untilMs, next: undefined };
}

/** What a `tariff.set` does to a timeline. */
export type TariffSetPlan<T> =
  | {
      readonly kind: "apply";
      readonly timeline: TariffTimeline<T>;
      /** When the new version takes effect, epoch ms. */
      readonly effectiveFromMs: number;
      /** Which set it is: `next` (takes effect later) or `current` (in force from effectiveFromMs). */
      readonly set: "current" | "next";
      /** The next set it replaced (dropped, never in force), and when that one would have switched. */
      readonly replacedNextFromMs: number | undefined;
    }
  | {
      readonly kind: "refuse";
      readonly effectiveFromMs: number;
      /** The version in force since then (epoch ms) cannot be replaced: it already took effect. */
      readonly inForceSinceMs: number;
      /** The earliest effectiveFrom that would be accepted, epoch ms. */
      readonly earliestMs: number;
    };

/**
 * Decides a `tariff.set` of `value` taking effect at `effectiveFromMs` (default: `nowMs`, or just after
 * the last switch if that is now). Rules, with "pending" meaning a next set exists at `nowMs`:
 * - a tariff not defined before: `value` is its only version, in force for all energy billed on it;
 * - pending and effectiveFrom > now: `value` replaces the next set (the replaced one is dropped);
 * - pending and effectiveFrom <= now: `value` is the current set from then, the next set stays;
 * - not pending and effectiveFrom > now: `value` becomes the next set;
 * - otherwise `value` is the current set from effectiveFrom.
 * Refused when effectiveFrom is at or before the start of the version in force (it would replace a
 * set that already took effect, or reorder the past).
 */
export function planTariffSet<T>(
  timeline: TariffTimeline<T> | undefined,
  value: T,
  nowMs: number,
  effectiveFromMs?: number,
): TariffSetPlan<T> {
  if (timeline === undefined) {
    // Nothing to fall back to: the first version prices all energy billed against the tariff.
    return apply([], value, effectiveFromMs ?? nowMs, "current", undefined);
  }
  const sets = tariffSetsAt(timeline, nowMs);
  const since = sets.currentSinceMs;
  const at = effectiveFromMs ?? (since !== undefined && since >= nowMs ? since + 1 : nowMs);
  const pendingEnd = sets.next?.effectiveFromMs;
  const earlier = timeline.earlier;
  if (pendingEnd !== undefined && at > nowMs) {
    const kept = earlier.slice(0, -1);
    return apply([...kept, { untilMs: at, value: sets.current }], value, at, "next", pendingEnd);
  }
  if (since !== undefined && at <= since)
    return { kind: "refuse", effectiveFromMs: at, inForceSinceMs: since, earliestMs: since + 1 };
  if (pendingEnd !== undefined) {
    const kept = earlier.slice(0, -1);
    const changed = [...kept, { untilMs: at, value: sets.current }, { untilMs: pendingEnd, value }];
    return apply(changed, timeline.latest, at, "current", undefined);
  }
  return apply(
    [...earlier, { untilMs: at, value: timeline.latest }],
    value,
    at,
    at > nowMs ? "next" : "current",
    undefined,
  );
}

function apply<T>(
  earlier: readonly EndedVersion<T>[],
  latest: T,
  effectiveFromMs: number,
  set: "current" | "next",
  replacedNextFromMs: number | undefined,
): TariffSetPlan<T> {
  return { kind: "apply", timeline: { earlier, latest }, effectiveFromMs, set, replacedNextFromMs };
}
