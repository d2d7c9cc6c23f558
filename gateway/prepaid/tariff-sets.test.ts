/**
 * The current / next tariff set decision (tariff-sets.ts) as a table, and its invariants over any
 * sequence of `tariff.set`s: at most one next set, a next set never changes what was in force before
 * now, and it takes effect exactly at its switch-over unless replaced first.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planTariffSet, tariffSetsAt, type TariffTimeline } from "./tariff-sets.ts";

const H = 3_600_000;
const now = 100 * H;
/** The version in force at `atMs`. */
const inForceAt = <T>(timeline: TariffTimeline<T>, atMs: number): T =>
  timeline.earlier.find((v) => v.untilMs > atMs)?.value ?? timeline.latest;

const plain: TariffTimeline<string> = { earlier: [{ untilMs: 10 * H, value: "v0" }], latest: "v1" };
const pending: TariffTimeline<string> = {
  earlier: [
    { untilMs: 10 * H, value: "v0" },
    { untilMs: now + 5 * H, value: "v1" },
  ],
  latest: "next",
};

describe("tariffSetsAt", () => {
  it.each([
    [
      "no change set",
      { earlier: [], latest: "v" },
      now,
      { current: "v", currentSinceMs: undefined, next: undefined },
    ],
    ["a change in the past", plain, now, { current: "v1", currentSinceMs: 10 * H, next: undefined }],
    [
      "a next set pending",
      pending,
      now,
      { current: "v1", currentSinceMs: 10 * H, next: { value: "next", effectiveFromMs: now + 5 * H } },
    ],
    [
      "exactly at the switch-over",
      pending,
      now + 5 * H,
      { current: "next", currentSinceMs: now + 5 * H, next: undefined },
    ],
    [
      "a ms before it",
      pending,
      now + 5 * H - 1,
      { current: "v1", currentSinceMs: 10 * H, next: { value: "next", effectiveFromMs: now + 5 * H } },
    ],
  ])("%s", (_name, timeline, atMs, expected) => {
    expect(tariffSetsAt(timeline as TariffTimeline<string>, atMs)).toEqual(expected);
  });
});

describe("planTariffSet", () => {
  it.each([
    {
      name: "a new tariff: its only version",
      timeline: undefined,
      effectiveFrom: now + H,
      expected: { kind: "apply", set: "current", timeline: { earlier: [], latest: "new" } },
    },
    {
      name: "no next set, future: becomes the next set",
      timeline: plain,
      effectiveFrom: now + H,
      expected: {
        kind: "apply",
        set: "next",
        effectiveFromMs: now + H,
        replacedNextFromMs: undefined,
        timeline: { earlier: [...plain.earlier, { untilMs: now + H, value: "v1" }], latest: "new" },
      },
    },
    {
      name: "no next set, default: current from now",
      timeline: plain,
      effectiveFrom: undefined,
      expected: { kind: "apply", set: "current", effectiveFromMs: now },
    },
    {
      name: "next pending, future: replaces it (earlier or later switch-over)",
      timeline: pending,
      effectiveFrom: now + 2 * H,
      expected: {
        kind: "apply",
        set: "next",
        replacedNextFromMs: now + 5 * H,
        timeline: {
          earlier: [
            { untilMs: 10 * H, value: "v0" },
            { untilMs: now + 2 * H, value: "v1" },
          ],
          latest: "new",
        },
      },
    },
    {
      name: "next pending, now: current changes, the next set stays",
      timeline: pending,
      effectiveFrom: undefined,
      expected: {
        kind: "apply",
        set: "current",
        effectiveFromMs: now,
        timeline: {
          earlier: [
            { untilMs: 10 * H, value: "v0" },
            { untilMs: now, value: "v1" },
            { untilMs: now + 5 * H, value: "new" },
          ],
          latest: "next",
        },
      },
    },
    {
      name: "at the start of the version in force: refused",
      timeline: plain,
      effectiveFrom: 10 * H,
      expected: { kind: "refuse", effectiveFromMs: 10 * H, inForceSinceMs: 10 * H, earliestMs: 10 * H + 1 },
    },
    {
      name: "next pending, before the current's start: refused",
      timeline: pending,
      effectiveFrom: 9 * H,
      expected: { kind: "refuse", inForceSinceMs: 10 * H },
    },
  ])("$name", ({ timeline, effectiveFrom, expected }) => {
    expect(planTariffSet(timeline, "new", now, effectiveFrom)).toMatchObject(expected);
  });

  it("refuses replacing a next set once it took effect, with when it did", () => {
    const set = planTariffSet(plain, "next", now, now + H);
    if (set.kind !== "apply") throw new Error("not applied");
    const after = now + H; // the switch-over has happened
    expect(planTariffSet(set.timeline, "late", after, now + H)).toEqual({
      kind: "refuse",
      effectiveFromMs: now + H,
      inForceSinceMs: now + H,
      earliestMs: now + H + 1,
    });
    expect(tariffSetsAt(set.timeline, after - 1).current).toBe("v1");
    expect(tariffSetsAt(set.timeline, after).current).toBe("next");
  });
});

/** One `tariff.set` of a sequence: applied `dtMs` after the previous one, taking effect at offset `fromMs`. */
const command = fc.record({
  dtMs: fc.integer({ min: 0, max: 10 * H }),
  offsetMs: fc.option(fc.integer({ min: -5 * H, max: 10 * H }), { nil: undefined }),
});

describe("planTariffSet over any sequence of commands", () => {
  it("keeps one next set at most, never changes the past with a next set, switches exactly at its instant", () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 12 }), (commands) => {
        let timeline: TariffTimeline<string> = { earlier: [], latest: "v0" };
        let at = now;
        commands.forEach(({ dtMs, offsetMs }, index) => {
          at += dtMs;
          const value = `v${index + 1}`;
          const plan = planTariffSet(timeline, value, at, offsetMs === undefined ? undefined : at + offsetMs);
          if (plan.kind === "refuse") {
            expect(plan.effectiveFromMs).toBeLessThanOrEqual(tariffSetsAt(timeline, at).currentSinceMs ?? 0);
            return;
          }
          const next = plan.timeline;
          expect(next.earlier.filter((v) => v.untilMs > at).length).toBeLessThanOrEqual(1);
          const ends = next.earlier.map((v) => v.untilMs);
          expect(ends).toEqual([...ends].sort((a, b) => a - b));
          if (plan.set === "next") {
            // Nothing in force up to now changes; the new version is in force exactly from its instant.
            const past = timeline.earlier.map((v) => v.untilMs).filter((t) => t <= at);
            for (const t of [at, at - 1, at - H, ...past])
              expect(inForceAt(next, t)).toBe(inForceAt(timeline, t));
            expect(inForceAt(next, plan.effectiveFromMs - 1)).toBe(tariffSetsAt(timeline, at).current);
          }
          expect(inForceAt(next, plan.effectiveFromMs)).toBe(value);
          timeline = next;
        });
      }),
      { numRuns: 500 },
    );
  });
});
