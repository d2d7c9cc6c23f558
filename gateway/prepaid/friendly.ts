/**
 * Friendly periods: local times in which an arrears cut is not executed (DOMAIN.md section 3: no
 * disconnection 18:00-08:00, on weekends or public holidays). A cut due inside one waits for its end.
 */
import { localParts, splitByLocalRule, type LocalParts } from "./local-time.ts";
import type { Policy } from "./policy.ts";
import { windowContains, windowEdges } from "./windows.ts";

/** Why the current time is friendly; the most specific reason first. */
export type FriendlyReason = "holiday" | "friendly-day" | "friendly-period";

/** A friendly time and when it ends (first non-friendly instant, epoch ms; undefined = not within a year). */
export interface FriendlyStatus {
  readonly reason: FriendlyReason;
  readonly untilMs: number | undefined;
}

const DAY_MS = 86_400_000;
/** Search chunk and horizon for the end of a friendly stretch; a policy friendly for a year never cuts. */
const SEARCH_CHUNK_MS = 7 * DAY_MS;
const SEARCH_HORIZON_MS = 400 * DAY_MS;

/** The friendly reason at a local time, or undefined when a cut may be executed. */
export function friendlyReasonAt(policy: Policy, local: LocalParts): FriendlyReason | undefined {
  if (policy.holidays.has(local.dateKey)) return "holiday";
  if (policy.friendlyDays.has(local.weekday)) return "friendly-day";
  if (policy.friendlyWindows.some((w) => windowContains(w, local.minuteOfDay))) return "friendly-period";
  return undefined;
}

/**
 * Whether `atMs` is friendly in `timeZone`, and if so until when. The end is where all reasons have
 * lapsed, e.g. Friday 18:00 with weekends and 18:00-08:00 friendly lasts until Monday 08:00.
 */
export function friendlyStatus(policy: Policy, timeZone: string, atMs: number): FriendlyStatus | undefined {
  const reason = friendlyReasonAt(policy, localParts(atMs, timeZone));
  if (reason === undefined) return undefined;
  const edges = windowEdges(policy.friendlyWindows);
  for (let from = atMs; from < atMs + SEARCH_HORIZON_MS; from += SEARCH_CHUNK_MS) {
    const segments = splitByLocalRule(
      from,
      from + SEARCH_CHUNK_MS,
      timeZone,
      edges,
      (local) => friendlyReasonAt(policy, local) !== undefined,
      (a, b) => a === b,
    );
    const end = segments.find((segment) => !segment.value);
    if (end !== undefined) return { reason, untilMs: end.fromMs };
  }
  return { reason, untilMs: undefined };
}
