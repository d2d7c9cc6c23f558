import { describe, expect, it } from "vitest";
import { decide } from "./decision.ts";
import {
  initialDecisionState,
  type DecisionConfig,
  type DecisionEffect,
  type DecisionInput,
  type DecisionState,
} from "./decision-types.ts";
import { parseMoneyE7 } from "./money.ts";
import { compilePolicy, policyConfigSchema } from "./policy.ts";

const TZ = "Asia/Shanghai";
const MIN = 60_000;
const HOUR = 60 * MIN;
/** Shanghai local time as epoch ms. 2026-01-05 is a Monday. */
const sh = (y: number, mo: number, d: number, h = 0, mi = 0) => Date.UTC(y, mo - 1, d, h - 8, mi);
const yuan = parseMoneyE7;

/** overdraftLimit 10, closeAllowedMin 5; no friendly times unless given. */
function config(policy: Record<string, unknown> = {}): DecisionConfig {
  return {
    overdraftLimitE7: yuan("10"),
    closeAllowedMinE7: yuan("5"),
    timeZone: TZ,
    policy: compilePolicy(policyConfigSchema.parse({ friendlyPeriods: [], friendlyDays: [], ...policy })),
  };
}

type Body = DecisionInput extends infer I
  ? I extends DecisionInput
    ? Omit<I, "wallMs" | "monoMs" | "run">
    : never
  : never;

/** Drives decide() with a wall clock and a monotonic clock that advance together unless told otherwise. */
function supply(cfg: DecisionConfig, startMs: number, init: Parameters<typeof initialDecisionState>[0]) {
  let state: DecisionState = initialDecisionState(init);
  let wallMs = startMs;
  let monoMs = 5_000_000;
  let run: string | undefined;
  const send = (body: Body): DecisionEffect[] => {
    const result = decide(state, { ...body, wallMs, monoMs, run }, cfg);
    state = result.state;
    return [...result.effects];
  };
  return {
    get state() {
      return state;
    },
    /** Moves both clocks to a wall time (forward). */
    at(targetMs: number) {
      monoMs += targetMs - wallMs;
      wallMs = targetMs;
      return send({ kind: "tick" });
    },
    advance(ms: number) {
      return this.at(wallMs + ms);
    },
    /** NTP step: the wall clock moves, monotonic time only by `monoAdvanceMs`. */
    stepWall(ms: number, monoAdvanceMs = 0) {
      wallMs += ms;
      monoMs += monoAdvanceMs;
      return send({ kind: "tick" });
    },
    /** Monotonic time goes back within one run (a broken clock). */
    restartProcess(newMonoMs: number) {
      monoMs = newMonoMs;
      return send({ kind: "tick" });
    },
    /** A new run of the process: its monotonic clock starts at `newMonoMs`; the wall clock moves `wallStepMs`. */
    newRun(id: string, newMonoMs: number, wallStepMs = 0) {
      run = id;
      monoMs = newMonoMs;
      wallMs += wallStepMs;
      return send({ kind: "tick" });
    },
    send,
    balance: (amount: string) => send({ kind: "balance", balanceE7: yuan(amount) }),
    topup: (after: string) => send({ kind: "topup", balanceE7: yuan(after), amountE7: yuan("1") }),
  };
}

/** Effects as short strings: "executeCut:arrears", "event:clock-anomaly", "scheduleWake@<iso>". */
function names(effects: readonly DecisionEffect[]): string[] {
  return effects.map((effect) => {
    switch (effect.kind) {
      case "announceCut":
        return `announceCut@${new Date(effect.plannedAtMs).toISOString()}`;
      case "executeCut":
        return `executeCut:${effect.reason}${effect.redrive === undefined ? "" : `#${effect.redrive}`}`;
      case "cancelCut":
        return `cancelCut:${effect.reason}`;
      case "deferCut":
        return `deferCut:${effect.reason}@${effect.untilMs === undefined ? "?" : new Date(effect.untilMs).toISOString()}`;
      case "restore":
        return `restore:${effect.reason}${effect.redrive === undefined ? "" : `#${effect.redrive}`}`;
      case "scheduleWake":
        return `scheduleWake@${new Date(effect.atMs).toISOString()}`;
      case "event":
        return `event:${effect.event.type}`;
    }
  });
}

const iso = (ms: number) => new Date(ms).toISOString();
const noRelayOps = (effects: readonly DecisionEffect[]) =>
  expect(effects.filter((e) => e.kind === "executeCut" || e.kind === "restore")).toEqual([]);

describe("decide: notice and money state", () => {
  it("announces a cut at -overdraftLimit, executes it only when the notice has run out", () => {
    const s = supply(config(), sh(2026, 1, 5, 10), { balanceE7: yuan("3") });
    expect(names(s.balance("-9.99"))).toEqual([]);
    expect(names(s.balance("-10"))).toEqual([
      `announceCut@${iso(sh(2026, 1, 5, 10, 30))}`,
      `scheduleWake@${iso(sh(2026, 1, 5, 10, 30))}`,
    ]);
    expect(names(s.balance("-10.5"))).toEqual([]); // announced once, wake requested once
    expect(names(s.at(sh(2026, 1, 5, 10, 29)))).toEqual([]);
    expect(names(s.at(sh(2026, 1, 5, 10, 30)))).toEqual(["executeCut:arrears"]);
    expect(s.state.relay).toBe("open");
    expect(names(s.advance(HOUR))).toEqual([]);
  });

  it("cancels an announced cut when a top-up arrives during the notice", () => {
    const s = supply(config(), sh(2026, 1, 5, 10), { balanceE7: yuan("-11") });
    expect(names(s.advance(MIN))[0]).toMatch(/^announceCut/);
    expect(names(s.topup("-2"))).toEqual(["cancelCut:balance"]);
    noRelayOps(s.at(sh(2026, 1, 5, 12)));
    expect(s.state.relay).toBe("closed");
  });

  it.each([
    ["5.01", ["restore:balance"], "closed"],
    ["5", ["event:restore-withheld"], "open"],
    ["-3", ["event:restore-withheld"], "open"],
  ])("after an arrears cut a top-up to %s gives %j", (after, effects, relay) => {
    const s = supply(config({ cutNoticeMs: 0 }), sh(2026, 1, 5, 10), { balanceE7: yuan("-10") });
    expect(names(s.advance(MIN))).toEqual([
      `announceCut@${iso(sh(2026, 1, 5, 10, 1))}`,
      "executeCut:arrears",
    ]);
    expect(names(s.topup(after))).toEqual(effects);
    expect(s.state.relay).toBe(relay);
  });

  it("restores on any balance rise above closeAllowedMin (e.g. an adjustment), not only top-ups", () => {
    const s = supply(config({ cutNoticeMs: 0 }), sh(2026, 1, 5, 10), {
      balanceE7: yuan("-10"),
      relay: "open",
      arrearsCut: true,
    });
    expect(names(s.balance("0"))).toEqual([]);
    expect(names(s.balance("20"))).toEqual(["restore:balance"]);
  });
});

describe("decide: friendly periods, friendly days, holidays", () => {
  it("defers a cut due in a friendly period and executes it when the period ends", () => {
    const s = supply(config({ friendlyPeriods: [{ from: "18:00", to: "08:00" }] }), sh(2026, 1, 5, 17, 45), {
      balanceE7: yuan("-20"),
    });
    expect(names(s.advance(0))[0]).toBe(`announceCut@${iso(sh(2026, 1, 5, 18, 15))}`);
    expect(names(s.at(sh(2026, 1, 5, 18, 15)))).toEqual([
      `deferCut:friendly-period@${iso(sh(2026, 1, 6, 8))}`,
      `scheduleWake@${iso(sh(2026, 1, 6, 8))}`,
    ]);
    expect(names(s.at(sh(2026, 1, 6, 2)))).toEqual([]); // deferral reported once
    expect(names(s.at(sh(2026, 1, 6, 7, 59)))).toEqual([]);
    expect(names(s.at(sh(2026, 1, 6, 8)))).toEqual(["executeCut:arrears"]);
  });

  it("defers over a weekend (friendly days joined with nightly hours) until Monday 08:00", () => {
    const cfg = config({ friendlyPeriods: [{ from: "18:00", to: "08:00" }], friendlyDays: ["sat", "sun"] });
    const s = supply(cfg, sh(2026, 1, 9, 17, 0), { balanceE7: yuan("-20") }); // Friday
    s.advance(0);
    expect(names(s.at(sh(2026, 1, 10, 9)))).toEqual([
      `deferCut:friendly-day@${iso(sh(2026, 1, 12, 8))}`,
      `scheduleWake@${iso(sh(2026, 1, 12, 8))}`,
    ]);
    noRelayOps(s.at(sh(2026, 1, 11, 12)));
    expect(names(s.at(sh(2026, 1, 12, 8)))).toEqual(["executeCut:arrears"]);
  });

  it("does not cut on a public holiday", () => {
    const holidays = [
      "2026-10-01",
      "2026-10-02",
      "2026-10-03",
      "2026-10-04",
      "2026-10-05",
      "2026-10-06",
      "2026-10-07",
    ];
    const s = supply(config({ holidays, cutNoticeMs: 0 }), sh(2026, 10, 1, 11), { balanceE7: yuan("-20") });
    expect(names(s.advance(0))).toEqual([
      `announceCut@${iso(sh(2026, 10, 1, 11))}`,
      `deferCut:holiday@${iso(sh(2026, 10, 8))}`,
      `scheduleWake@${iso(sh(2026, 10, 8))}`,
    ]);
    expect(names(s.at(sh(2026, 10, 8)))).toEqual(["executeCut:arrears"]);
  });

  it("cancels a deferred cut when the customer tops up during the friendly period", () => {
    const s = supply(config({ friendlyDays: ["sat", "sun"], cutNoticeMs: 0 }), sh(2026, 1, 10, 9), {
      balanceE7: yuan("-20"),
    });
    expect(names(s.advance(0))).toContain(`deferCut:friendly-day@${iso(sh(2026, 1, 12))}`);
    expect(names(s.topup("30"))).toEqual(["cancelCut:balance"]);
    noRelayOps(s.at(sh(2026, 1, 12, 1)));
  });
});

describe("decide: keep-power and remote commands", () => {
  it("never cuts a protected supply, whatever the balance", () => {
    const s = supply(config({ cutNoticeMs: 0 }), sh(2026, 1, 5, 10), {
      balanceE7: yuan("-500"),
      protection: { reason: "hospital" },
    });
    expect(names(s.advance(0))).toEqual([]);
    noRelayOps(s.advance(24 * HOUR));
  });

  it("honours `until`: protection expires, then the cut is announced with a full notice", () => {
    const until = sh(2026, 1, 5, 12);
    const s = supply(config(), sh(2026, 1, 5, 10), {
      balanceE7: yuan("-50"),
      protection: { reason: "storm", untilMs: until },
    });
    expect(names(s.advance(0))).toEqual([`scheduleWake@${iso(until)}`]);
    expect(names(s.at(until))).toEqual([
      "event:protection-off",
      `announceCut@${iso(sh(2026, 1, 5, 12, 30))}`,
      `scheduleWake@${iso(sh(2026, 1, 5, 12, 30))}`,
    ]);
    expect(names(s.at(sh(2026, 1, 5, 12, 30)))).toEqual(["executeCut:arrears"]);
  });

  it("protecting a cut supply restores it at once, even past the relay cap, and cancels the notice", () => {
    const s = supply(config({ cutNoticeMs: 0, maxRelayOpsPerHour: 1 }), sh(2026, 1, 5, 10), {
      balanceE7: yuan("-20"),
    });
    expect(names(s.advance(0))).toContain("executeCut:arrears");
    expect(names(s.send({ kind: "protect", protection: { reason: "medical" } }))).toEqual([
      "event:protection-on",
      "restore:protected",
    ]);
    const announced = supply(config(), sh(2026, 1, 5, 10), { balanceE7: yuan("-20") });
    announced.advance(0);
    expect(names(announced.send({ kind: "protect", protection: { reason: "medical" } }))).toEqual([
      "event:protection-on",
      "cancelCut:protected",
    ]);
  });

  it("refuses a remote cut while protected (keep-power outranks remote commands)", () => {
    const s = supply(config(), sh(2026, 1, 5, 10), {
      balanceE7: yuan("100"),
      protection: { reason: "street lighting" },
    });
    expect(names(s.send({ kind: "remote", action: "cut", reason: "tamper", commandId: "c1" }))).toEqual([
      "event:remote-refused",
    ]);
    expect(s.state.relay).toBe("closed");
  });

  it("executes a remote cut at once, without notice and inside a friendly period", () => {
    const s = supply(config({ friendlyPeriods: [{ from: "00:00", to: "24:00" }] }), sh(2026, 1, 5, 20), {
      balanceE7: yuan("100"),
    });
    expect(names(s.send({ kind: "remote", action: "cut", reason: "tamper", commandId: "c1" }))).toEqual([
      "executeCut:remote",
    ]);
    expect(names(s.topup("200"))).toEqual([]); // money does not lift a remote cut
    expect(
      names(s.send({ kind: "remote", action: "restore", reason: "inspected", commandId: "c2" })),
    ).toEqual(["restore:remote"]);
    expect(names(s.send({ kind: "protect", protection: false }))).toEqual([]);
  });

  it("a remote restore overrides an arrears cut, then the money rule starts over with a fresh notice", () => {
    const s = supply(config({ cutNoticeMs: 0 }), sh(2026, 1, 5, 10), { balanceE7: yuan("-20") });
    s.advance(0);
    const restored = supply(config(), sh(2026, 1, 5, 10), {
      balanceE7: yuan("-20"),
      relay: "open",
      arrearsCut: true,
    });
    expect(
      names(restored.send({ kind: "remote", action: "restore", reason: "dispute", commandId: "r1" })),
    ).toEqual([
      `announceCut@${iso(sh(2026, 1, 5, 10, 30))}`,
      "restore:remote",
      `scheduleWake@${iso(sh(2026, 1, 5, 10, 30))}`,
    ]);
    expect(names(restored.at(sh(2026, 1, 5, 10, 30)))).toEqual(["executeCut:arrears"]);
  });

  it("a protect arriving after a remote cut closes the relay (priority), clearing the remote cut", () => {
    const s = supply(config(), sh(2026, 1, 5, 10), { balanceE7: yuan("100") });
    s.send({ kind: "remote", action: "cut", reason: "safety", commandId: "c1" });
    expect(names(s.send({ kind: "protect", protection: { reason: "hospital" } }))).toEqual([
      "event:protection-on",
      "restore:protected",
    ]);
    expect(names(s.send({ kind: "protect", protection: false }))).toEqual(["event:protection-off"]);
    expect(s.state.relay).toBe("closed");
  });
});

describe("decide: relay rate cap", () => {
  it("defers the operation that would exceed maxRelayOpsPerHour, then performs it when allowed", () => {
    const start = sh(2026, 1, 5, 10);
    const s = supply(config({ cutNoticeMs: 0, maxRelayOpsPerHour: 2 }), start, { balanceE7: yuan("-20") });
    expect(names(s.advance(0))).toContain("executeCut:arrears"); // op 1 at 10:00
    s.advance(10 * MIN);
    expect(names(s.topup("6"))).toEqual(["restore:balance"]); // op 2 at 10:10
    s.advance(10 * MIN);
    expect(names(s.balance("-15"))).toEqual([
      `announceCut@${iso(sh(2026, 1, 5, 10, 20))}`,
      `deferCut:rate-limit@${iso(sh(2026, 1, 5, 11))}`,
      `scheduleWake@${iso(sh(2026, 1, 5, 11))}`,
    ]);
    expect(names(s.at(sh(2026, 1, 5, 10, 40)))).toEqual([]);
    expect(names(s.at(sh(2026, 1, 5, 11)))).toEqual(["executeCut:arrears"]);
  });

  it("defers a restore over the cap with an event, and restores when the hour has passed", () => {
    const s = supply(config({ cutNoticeMs: 0, maxRelayOpsPerHour: 1 }), sh(2026, 1, 5, 10), {
      balanceE7: yuan("-20"),
    });
    s.advance(0);
    expect(names(s.topup("50"))).toEqual([
      "event:restore-deferred",
      `scheduleWake@${iso(sh(2026, 1, 5, 11))}`,
    ]);
    expect(names(s.at(sh(2026, 1, 5, 11)))).toEqual(["restore:balance"]);
  });
});

describe("decide: clock anomalies", () => {
  it("holds a due cut on an input whose wall clock jumped, and cuts on the next consistent input", () => {
    const s = supply(config(), sh(2026, 1, 5, 10), { balanceE7: yuan("-20") });
    s.advance(0);
    s.at(sh(2026, 1, 5, 10, 29));
    const jumped = s.stepWall(2 * HOUR, MIN); // mono +1 min (notice due), wall +2 h
    expect(names(jumped)).toEqual([
      "event:clock-anomaly",
      "event:cut-held",
      expect.stringMatching(/^scheduleWake/) as unknown,
    ]);
    expect(s.state.relay).toBe("closed");
    expect(names(s.advance(MIN))).toEqual(["executeCut:arrears"]);
  });

  it("does not let a wall-clock jump shorten the notice (the notice runs on monotonic time)", () => {
    const s = supply(config(), sh(2026, 1, 5, 10), { balanceE7: yuan("-20") });
    s.advance(0);
    // The wake moves into the new wall-clock frame: still 30 monotonic minutes after the announcement.
    expect(names(s.stepWall(HOUR, 0))).toEqual([
      "event:clock-anomaly",
      `scheduleWake@${iso(sh(2026, 1, 5, 11, 30))}`,
    ]);
    noRelayOps(s.advance(20 * MIN));
    expect(names(s.advance(10 * MIN))).toEqual(["executeCut:arrears"]);
  });

  it("holds on a wall clock going backwards", () => {
    const s = supply(config({ cutNoticeMs: 0 }), sh(2026, 1, 5, 10), { balanceE7: yuan("100") });
    s.advance(0);
    expect(names(s.stepWall(-HOUR, 0))).toEqual(["event:clock-anomaly"]);
    expect(s.send({ kind: "balance", balanceE7: yuan("-20") }).map((e) => e.kind)).toEqual([
      "announceCut",
      "executeCut",
    ]);
  });

  it("neither announces nor cuts while the wall clock is unset (1970 after boot), and reports it once", () => {
    const s = supply(config({ cutNoticeMs: 0 }), Date.UTC(1970, 0, 1, 0, 5), { balanceE7: yuan("-20") });
    expect(names(s.advance(0))).toEqual(["event:clock-anomaly"]);
    expect(names(s.advance(MIN))).toEqual([]);
    expect(s.state.notice).toBeUndefined();
    expect(s.state.relay).toBe("closed");
  });

  it("after a process restart (monotonic reset) re-derives the notice from the wall clock", () => {
    const s = supply(config(), sh(2026, 1, 5, 10), { balanceE7: yuan("-20") });
    s.advance(0); // cut planned 10:30
    s.at(sh(2026, 1, 5, 10, 20));
    expect(names(s.restartProcess(10))).toEqual(["event:clock-anomaly"]);
    noRelayOps(s.advance(9 * MIN));
    expect(names(s.advance(MIN))).toEqual(["executeCut:arrears"]);
  });

  it("takes a new run of the process as expected: no anomaly, the notice kept by the wall clock", () => {
    const s = supply(config(), sh(2026, 1, 5, 10), { balanceE7: yuan("-20") });
    s.advance(0); // cut planned 10:30
    s.at(sh(2026, 1, 5, 10, 20));
    expect(names(s.newRun("second", 10, 2 * MIN))).toEqual([]);
    noRelayOps(s.advance(7 * MIN));
    expect(names(s.advance(MIN))).toEqual(["executeCut:arrears"]);
  });

  it("counts relay operations before a restart at their real age for the hourly cap", () => {
    const s = supply(config({ cutNoticeMs: 0, maxRelayOpsPerHour: 1 }), sh(2026, 1, 5, 10), {
      balanceE7: yuan("-20"),
    });
    expect(names(s.advance(0))).toContain("executeCut:arrears"); // the one operation of this hour
    s.at(sh(2026, 1, 5, 10, 29));
    s.newRun("second", 10, MIN);
    expect(names(s.topup("50"))).toEqual([
      "event:restore-deferred",
      `scheduleWake@${iso(sh(2026, 1, 5, 11))}`,
    ]);
    expect(names(s.at(sh(2026, 1, 5, 11)))).toEqual(["restore:balance"]);
  });

  it("reports a wall clock that went backwards over a restart", () => {
    const s = supply(config(), sh(2026, 1, 5, 10), { balanceE7: yuan("100") });
    s.advance(0);
    expect(names(s.newRun("second", 10, -HOUR))).toEqual(["event:clock-anomaly"]);
  });
});

describe("decide: relay read-back", () => {
  it("re-drives a relay that reads back wrong at 60, 120, 180 s, then hourly, and stops when it agrees", () => {
    const s = supply(config({ cutNoticeMs: 0 }), sh(2026, 1, 5, 10), { balanceE7: yuan("-20") });
    s.advance(0);
    expect(names(s.send({ kind: "readBack", position: "closed", afterCommand: 1 }))).toEqual([
      "event:relay-mismatch",
      `scheduleWake@${iso(sh(2026, 1, 5, 10, 1))}`,
    ]);
    expect(names(s.send({ kind: "readBack", position: "closed", afterCommand: 1 }))).toEqual([]); // reported once
    expect(names(s.advance(MIN))).toEqual([
      "executeCut:arrears#1",
      `scheduleWake@${iso(sh(2026, 1, 5, 10, 3))}`,
    ]);
    expect(names(s.advance(2 * MIN))).toEqual([
      "executeCut:arrears#2",
      `scheduleWake@${iso(sh(2026, 1, 5, 10, 6))}`,
    ]);
    expect(names(s.advance(3 * MIN))).toEqual([
      "executeCut:arrears#3",
      `scheduleWake@${iso(sh(2026, 1, 5, 11, 6))}`,
    ]);
    expect(names(s.advance(HOUR))).toEqual([
      "executeCut:arrears#4",
      `scheduleWake@${iso(sh(2026, 1, 5, 12, 6))}`,
    ]);
    expect(names(s.send({ kind: "readBack", position: "open", afterCommand: 5 }))).toEqual([
      "event:relay-mismatch-cleared",
    ]);
    expect(names(s.advance(2 * HOUR))).toEqual([]);
  });

  it("judges a position only if it was read after the latest relay command was written", () => {
    const s = supply(config({ cutNoticeMs: 0 }), sh(2026, 1, 5, 10), { balanceE7: yuan("-20") });
    const cut = s.advance(0);
    expect(cut.filter((e) => e.kind === "executeCut")).toMatchObject([{ command: 1 }]);
    // Read before the cut was written (in the poll that charged the balance into arrears): no verdict.
    expect(names(s.send({ kind: "readBack", position: "closed", afterCommand: 0 }))).toEqual([]);
    expect(s.state.mismatch).toBeUndefined();
    expect(names(s.advance(10 * MIN))).toEqual([]); // and nothing is re-driven
    expect(names(s.send({ kind: "readBack", position: "open", afterCommand: 1 }))).toEqual([]);
    // Read after the write and still closed: a real mismatch, re-driven as command 2.
    expect(names(s.send({ kind: "readBack", position: "closed", afterCommand: 1 }))).toEqual([
      "event:relay-mismatch",
      `scheduleWake@${iso(sh(2026, 1, 5, 10, 11))}`,
    ]);
    expect(s.advance(MIN).filter((e) => e.kind === "executeCut")).toMatchObject([{ command: 2 }]);
    // A position read before the re-drive was written says nothing about it either.
    expect(names(s.send({ kind: "readBack", position: "open", afterCommand: 1 }))).toEqual([]);
    expect(s.state.mismatch).toMatchObject({ attempt: 1 });
  });
});
