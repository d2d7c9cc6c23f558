/**
 * The cost-control safeguards of the cutoff decision as tables: keep-power (boot, platform silence,
 * keep-power periods), heavy load, pre-trip, close not allowed and restore modes. Each row drives one
 * supply point input by input on a ManualClock; the effects of each input are listed in short form.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { decide } from "./decision.ts";
import {
  initialDecisionState,
  type DecisionConfig,
  type DecisionEffect,
  type DecisionInput,
  type DecisionState,
  type PlatformContact,
} from "./decision-types.ts";
import { parseMoneyE7 } from "./money.ts";
import { compilePolicy, policyConfigSchema, type PolicyConfig } from "./policy.ts";

const yuan = parseMoneyE7;
const MIN = 60_000;

type Body = DecisionInput extends infer I
  ? I extends DecisionInput
    ? Omit<I, "wallMs" | "monoMs" | "run">
    : never
  : never;

/** One input: minutes after the previous one, the input, and the effects expected (wakes left out). */
type Row = readonly [minutes: number, input: Body, effects: readonly string[]];

const tick: Body = { kind: "tick" };
const inArrears: Body = { kind: "balance", balanceE7: yuan("-1") };
const topup: Body = { kind: "topup", balanceE7: yuan("50"), amountE7: yuan("51") };
/** A poll that reads the relay as commanded, drawing `currentA`. */
const load = (currentA: number, position: "open" | "closed" = "closed"): Body => ({
  kind: "readBack",
  position,
  afterCommand: Number.MAX_SAFE_INTEGER,
  currentA,
});

function short(effect: DecisionEffect): string {
  switch (effect.kind) {
    case "executeCut":
      return `cut:${effect.reason}`;
    case "restore":
      return `restore:${effect.reason}${effect.mode === undefined ? "" : `:${effect.mode}`}`;
    case "deferCut":
      return `defer:${effect.cut}:${effect.reason}`;
    case "cancelCut":
      return `cancel:${effect.reason}`;
    case "event":
      return `event:${effect.event.type}`;
    case "announceCut":
    case "scheduleWake":
      return effect.kind;
  }
}

interface Site {
  readonly clock: ManualClock;
  /** Monotonic ms of the last platform message (undefined: none since boot). */
  lastMessageMonoMs: number | undefined;
  state: DecisionState;
  config: DecisionConfig;
}

/**
 * A supply point with a positive balance and its relay closed, 2026-01-05 10:00 Asia/Shanghai (a Monday),
 * 30 minutes' notice, no friendly times; `extra` adds policy settings and account options.
 */
function site(policy: Partial<PolicyConfig> = {}, extra: Partial<DecisionConfig> = {}): Site {
  // Monotonic time starts at 1,000 s (not 0), wall time at 10:00 local.
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 2, 0) - 1_000_000);
  clock.advance(1_000_000);
  const compiled = compilePolicy(
    policyConfigSchema.parse({ friendlyPeriods: [], friendlyDays: [], cutNoticeMs: 30 * MIN, ...policy }),
  );
  return {
    clock,
    lastMessageMonoMs: undefined,
    state: initialDecisionState({ balanceE7: yuan("5") }),
    config: {
      overdraftLimitE7: 0,
      closeAllowedMinE7: 0,
      timeZone: "Asia/Shanghai",
      policy: compiled,
      ...extra,
    },
  };
}

/** The contact the edge would report for `s` (watched; booted when the site was made). */
function contact(s: Site): PlatformContact {
  return { bootMonoMs: 1_000_000, lastMessageMonoMs: s.lastMessageMonoMs, watched: true };
}

/** Feeds the rows; returns the effects of each input, for comparison with the rows' expectations. */
function drive(s: Site, rows: readonly Row[], withContact = false): string[][] {
  return rows.map(([minutes, body]) => {
    s.clock.advance(minutes * MIN);
    const stamp = { wallMs: s.clock.now(), monoMs: s.clock.monotonicMs(), run: "r1" };
    const config = withContact ? { ...s.config, contact: contact(s) } : s.config;
    const result = decide(s.state, { ...body, ...stamp }, config);
    s.state = result.state;
    return result.effects.filter((e) => e.kind !== "scheduleWake").map(short);
  });
}

const expected = (rows: readonly Row[]) => rows.map((row) => [...row[2]]);

describe("decide: keep power when the platform is silent, after boot and in keep-power periods", () => {
  const silence = { keepPowerAfterSilenceMin: 20 };
  const cases: ReadonlyArray<{ name: string; policy: Partial<PolicyConfig>; rows: readonly Row[] }> = [
    {
      name: "silent for 20 min: an announced cut waits, and runs on the first input after contact",
      policy: silence,
      rows: [
        [0, inArrears, ["announceCut"]],
        [30, tick, ["defer:arrears:keep-power-silence"]],
        [60, tick, []],
        [1, tick, ["cut:arrears"]], // the edge reports a message between these inputs (below)
      ],
    },
    {
      name: "heard within the silence limit: the cut runs when due",
      policy: { ...silence, keepPowerAfterSilenceMin: 60 },
      rows: [
        [0, inArrears, ["announceCut"]],
        [30, tick, ["cut:arrears"]],
      ],
    },
    {
      name: "keep-power after boot: a cut due in the first hour waits until it is over",
      policy: { keepPowerAfterBootMin: 60 },
      rows: [
        [0, inArrears, ["announceCut"]],
        [30, tick, ["defer:arrears:keep-power-boot"]],
        [29, tick, []],
        [1, tick, ["cut:arrears"]],
      ],
    },
    {
      name: "keep-power period 10:00-12:00: a cut due at 10:30 waits until 12:00",
      policy: { keepPowerPeriods: [{ from: "10:00", to: "12:00" }] },
      rows: [
        [0, inArrears, ["announceCut"]],
        [30, tick, ["defer:arrears:keep-power-period"]],
        [89, tick, []],
        [1, tick, ["cut:arrears"]],
      ],
    },
    {
      name: "a remote cut is the platform's own order: not held by silence",
      policy: silence,
      rows: [[45, { kind: "remote", action: "cut", reason: "inspection", commandId: "c1" }, ["cut:remote"]]],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = site(c.policy);
      const results: string[][] = [];
      c.rows.forEach((row, i) => {
        // Contact returns just before the last input of the first case (a signed time.check, say).
        if (c === cases[0] && i === c.rows.length - 1) s.lastMessageMonoMs = s.clock.monotonicMs();
        results.push(...drive(s, [row], true));
      });
      expect(results).toEqual(expected(c.rows));
    });
  }

  it("without an uplink (contact not watched) silence never holds a cut", () => {
    const s = site(silence);
    const rows: Row[] = [
      [0, inArrears, ["announceCut"]],
      [30, tick, ["cut:arrears"]],
    ];
    const results = rows.map(([minutes, body]) => {
      s.clock.advance(minutes * MIN);
      const stamp = { wallMs: s.clock.now(), monoMs: s.clock.monotonicMs(), run: "r1" };
      const unwatched = { ...s.config, contact: { ...contact(s), watched: false } };
      const result = decide(s.state, { ...body, ...stamp }, unwatched);
      s.state = result.state;
      return result.effects.filter((e) => e.kind !== "scheduleWake").map(short);
    });
    expect(results).toEqual(expected(rows));
  });
});

describe("decide: no trip under heavy load", () => {
  const policy = { tripMaxCurrentA: 40, tripMaxDeferMin: 60 };
  const cases: ReadonlyArray<{ name: string; rows: readonly Row[] }> = [
    {
      name: "a due cut waits while the meter draws more than 40 A and runs on the first lighter reading",
      rows: [
        [0, load(55), []],
        [0, inArrears, ["announceCut"]],
        [30, tick, ["defer:arrears:heavy-load"]],
        [1, load(52), []],
        [1, load(12), ["cut:arrears"]],
      ],
    },
    {
      name: "waiting longer than tripMaxDeferMin is reported once; the cut still waits for the load",
      rows: [
        [0, load(55), []],
        [0, inArrears, ["announceCut"]],
        [30, tick, ["defer:arrears:heavy-load"]],
        [60, load(60), ["event:trip-deferred-long"]],
        [5, load(58), []],
        [5, load(39.9), ["cut:arrears"]],
      ],
    },
    {
      name: "exactly at the limit is not above it: the cut runs",
      rows: [
        [0, load(40), []],
        [0, inArrears, ["announceCut"]],
        [30, tick, ["cut:arrears"]],
      ],
    },
    {
      name: "a remote cut waits for the load too (a safety matter, whoever asks)",
      rows: [
        [0, load(80), []],
        [
          0,
          { kind: "remote", action: "cut", reason: "inspection", commandId: "c1" },
          ["defer:remote:heavy-load"],
        ],
        [1, load(3), ["cut:remote"]],
      ],
    },
    {
      name: "a re-drive after a relay that stayed closed waits for the load like the first cut",
      rows: [
        [0, load(10), []],
        [0, inArrears, ["announceCut"]],
        [30, tick, ["cut:arrears"]],
        // The meter reads closed after the cut, and now draws 55 A: a mismatch, re-driven after 60 s.
        [0, load(55), ["event:relay-mismatch"]],
        [2, load(55), ["defer:arrears:heavy-load"]],
        [2, load(50), []],
        [1, load(8), ["cut:arrears"]],
      ],
    },
    {
      name: "a top-up while the cut waits: cancelled, nothing left waiting",
      rows: [
        [0, load(55), []],
        [0, inArrears, ["announceCut"]],
        [30, tick, ["defer:arrears:heavy-load"]],
        [1, topup, ["cancel:balance"]],
        [1, load(2), []],
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = site(policy);
      expect(drive(s, c.rows)).toEqual(expected(c.rows));
      if (c.rows.at(-1)?.[2].length === 0) expect(s.state.heavySinceMonoMs).toBeUndefined();
    });
  }
});

describe("decide: pre-trip before the final cut", () => {
  const preTrip = { offMs: 10 * MIN, finalAfterMs: 30 * MIN };
  const cases: ReadonlyArray<{ name: string; extra: Partial<DecisionConfig>; rows: readonly Row[] }> = [
    {
      name: "due cut: a 10-minute warning cut, closed again, then the final cut 30 minutes later",
      extra: { preTrip },
      rows: [
        [0, inArrears, ["announceCut"]],
        [30, tick, ["cut:pre-trip"]],
        [10, tick, ["restore:pre-trip-over"]],
        [29, tick, []],
        [1, tick, ["cut:arrears"]],
      ],
    },
    {
      name: "a top-up during the warning cut restores at once and cancels the final cut",
      extra: { preTrip },
      rows: [
        [0, inArrears, ["announceCut"]],
        [30, tick, ["cut:pre-trip"]],
        [3, topup, ["cancel:balance", "restore:balance"]],
        [60, tick, []],
      ],
    },
    {
      name: "the pre-trip restores directly even where restores are by allow-close",
      extra: { preTrip, restoreMode: "allow-close" },
      rows: [
        [0, inArrears, ["announceCut"]],
        [30, tick, ["cut:pre-trip"]],
        [10, tick, ["restore:pre-trip-over"]],
        [30, tick, ["cut:arrears"]],
        [1, topup, ["restore:balance:allow-close"]],
      ],
    },
    {
      name: "without a pre-trip the first cut is the final one",
      extra: {},
      rows: [
        [0, inArrears, ["announceCut"]],
        [30, tick, ["cut:arrears"]],
        [60, tick, []],
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = site({}, c.extra);
      expect(drive(s, c.rows)).toEqual(expected(c.rows));
    });
  }
});

describe("decide: close not allowed, and restore modes", () => {
  const cutRows: readonly Row[] = [
    [0, inArrears, ["announceCut"]],
    [30, tick, ["cut:arrears"]],
  ];
  const cases: ReadonlyArray<{
    name: string;
    extra: Partial<DecisionConfig>;
    rows: readonly Row[];
    /** Rows after the flag is lifted (closeNotAllowed false), if any. */
    lifted?: readonly Row[];
  }> = [
    {
      name: "a top-up above closeAllowedMin does not close; lifting the flag closes for the top-up",
      extra: { closeNotAllowed: true },
      rows: [...cutRows, [5, topup, ["event:restore-blocked"]], [5, tick, []]],
      lifted: [[1, tick, ["restore:balance"]]],
    },
    {
      name: "a remote restore is withheld too (the money rule announces again: the balance is still short)",
      extra: { closeNotAllowed: true },
      rows: [
        ...cutRows,
        [
          1,
          { kind: "remote", action: "restore", reason: "paid", commandId: "c2" },
          ["announceCut", "event:restore-blocked"],
        ],
      ],
      lifted: [[1, tick, ["restore:remote"]]],
    },
    {
      name: "keep-power does not close either (priority 1 of the State Grid relay logic)",
      extra: { closeNotAllowed: true },
      rows: [
        ...cutRows,
        [
          1,
          { kind: "protect", protection: { reason: "hospital" } },
          ["event:protection-on", "event:restore-blocked"],
        ],
      ],
      lifted: [[1, tick, ["restore:protected"]]],
    },
    {
      name: "the flag does not open a closed supply; cuts run as usual",
      extra: { closeNotAllowed: true },
      rows: [[1, tick, []], ...cutRows],
    },
    {
      name: "restore mode direct: the top-up closes the relay",
      extra: { restoreMode: "direct" },
      rows: [...cutRows, [5, topup, ["restore:balance"]]],
    },
    {
      name: "restore mode allow-close: the top-up allows the close; the customer's button closes it",
      extra: { restoreMode: "allow-close" },
      rows: [
        ...cutRows,
        [5, topup, ["restore:balance:allow-close"]],
        [1, { kind: "readBack", position: "closed", afterCommand: 2 }, ["event:closed-by-customer"]],
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = site({}, c.extra);
      expect(drive(s, c.rows)).toEqual(expected(c.rows));
      if (c.lifted === undefined) return;
      s.config = { ...s.config, closeNotAllowed: false };
      expect(drive(s, c.lifted)).toEqual(expected(c.lifted));
      expect(s.state.blockedRestore).toBeUndefined();
    });
  }
});
