import { describe, expect, it } from "vitest";
import { accountConfigSchema, accountListSchema, compileAccount } from "./account.ts";
import { friendlyStatus } from "./friendly.ts";
import {
  compilePolicy,
  defaultPolicy,
  policyConfigSchema,
  relayRetryDelayMs,
  timeZoneSchema,
} from "./policy.ts";

const minimal = { id: "acc-1", tariff: "res-tou", balance: "100.00", hoardingLimit: "5000" };

const issues = (
  schema: {
    safeParse(v: unknown): {
      success: boolean;
      error?: { issues: { path: PropertyKey[]; message: string }[] };
    };
  },
  value: unknown,
) => (schema.safeParse(value).error?.issues ?? []).map((i) => `${i.path.join(".")}: ${i.message}`);

describe("accountConfigSchema", () => {
  it("fills defaults and compiles money to exact E7 integers", () => {
    const account = compileAccount(accountConfigSchema.parse(minimal), ["m1"]);
    expect(account).toEqual({
      id: "acc-1",
      tariffId: "res-tou",
      meterIds: ["m1"],
      openingBalanceE7: 1_000_000_000,
      alarm1E7: 500_000_000,
      alarm2E7: 300_000_000,
      overdraftLimitE7: 0,
      hoardingLimitE7: 50_000_000_000,
      closeAllowedMinE7: 0,
      protection: false,
      lastPurchaseSeq: 0,
    });
  });

  it("parses keep-power with an ISO `until`", () => {
    const account = compileAccount(
      accountConfigSchema.parse({
        ...minimal,
        protected: { reason: "hospital", until: "2026-10-08T00:00:00+08:00" },
      }),
    );
    expect(account.protection).toEqual({ reason: "hospital", untilMs: Date.UTC(2026, 9, 7, 16) });
    expect(
      issues(accountConfigSchema, { ...minimal, protected: { reason: "x", until: "next week" } }),
    ).not.toEqual([]);
    expect(issues(accountConfigSchema, { ...minimal, protected: true })).not.toEqual([]);
  });

  it("refuses unknown keys, numeric money and inconsistent limits, naming each path", () => {
    expect(issues(accountConfigSchema, { ...minimal, colour: "red" }).join()).toContain("colour");
    expect(issues(accountConfigSchema, { ...minimal, balance: 100 })).toEqual([
      'balance: must be a quoted decimal string such as "100.00"',
    ]);
    expect(issues(accountConfigSchema, { ...minimal, alarm1: "10", alarm2: "20" })).toEqual([
      "alarm2: alarm2 must not exceed alarm1",
    ]);
    expect(
      issues(accountConfigSchema, { ...minimal, overdraftLimit: "10", closeAllowedMin: "-10.01" }),
    ).toEqual([
      "closeAllowedMin: closeAllowedMin must be >= -overdraftLimit, or a restore would land in arrears",
    ]);
    expect(issues(accountConfigSchema, { ...minimal, hoardingLimit: "0" })).toEqual([
      "hoardingLimit: hoardingLimit must exceed closeAllowedMin, or no top-up could restore supply",
    ]);
    expect(issues(accountConfigSchema, { ...minimal, overdraftLimit: "-1" }).join()).toContain(
      "must not be negative",
    );
    expect(issues(accountConfigSchema, { ...minimal, meters: ["m1"] })).not.toEqual([]);
  });

  it("refuses duplicate account ids", () => {
    expect(issues(accountListSchema, [minimal, { ...minimal, alarm1: "60.00" }])).toEqual([
      '1.id: duplicate account id "acc-1"',
    ]);
  });
});

describe("policyConfigSchema", () => {
  it("has safe defaults: 30 min notice, nights and weekends friendly, 4 relay ops/h, retries 60/120/180 s then hourly", () => {
    const policy = defaultPolicy();
    expect(policy.cutNoticeMs).toBe(1_800_000);
    expect(policy.friendlyWindows).toEqual([{ startMin: 1080, endMin: 480 }]);
    expect([...policy.friendlyDays]).toEqual([6, 0]);
    expect(policy.maxRelayOpsPerHour).toBe(4);
    expect([0, 1, 2, 3, 4].map((attempt) => relayRetryDelayMs(policy, attempt))).toEqual([
      60_000, 120_000, 180_000, 3_600_000, 3_600_000,
    ]);
  });

  it("refuses bad windows, days, dates and bounds", () => {
    expect(
      issues(policyConfigSchema, { friendlyPeriods: [{ from: "18:00", to: "18:00" }] }).join(),
    ).toContain("must differ");
    expect(issues(policyConfigSchema, { friendlyPeriods: [{ from: "6pm", to: "08:00" }] }).join()).toContain(
      "HH:MM",
    );
    expect(issues(policyConfigSchema, { friendlyDays: ["saturday"] })).not.toEqual([]);
    expect(issues(policyConfigSchema, { holidays: ["2026-02-30"] }).join()).toContain(
      "not a real calendar date",
    );
    expect(issues(policyConfigSchema, { maxRelayOpsPerHour: 0 })).not.toEqual([]);
    expect(issues(policyConfigSchema, { relayRetry: { delaysMs: [60_000], extra: 1 } }).join()).toContain(
      "extra",
    );
    expect(issues(timeZoneSchema, "Asia/Shanghai")).toEqual([]);
    expect(issues(timeZoneSchema, "Mars/Base")).toEqual([": is not a known IANA time zone"]);
  });
});

describe("friendlyStatus", () => {
  const policy = compilePolicy(
    policyConfigSchema.parse({
      friendlyPeriods: [{ from: "18:00", to: "08:00" }],
      friendlyDays: ["sun"],
      holidays: ["2026-01-07"],
    }),
  );
  const sh = (d: number, h: number) => Date.UTC(2026, 0, d, h - 8);

  it("reports the most specific reason and the end of the whole friendly stretch", () => {
    expect(friendlyStatus(policy, "Asia/Shanghai", sh(5, 12))).toBeUndefined(); // Monday noon
    expect(friendlyStatus(policy, "Asia/Shanghai", sh(5, 20))).toEqual({
      reason: "friendly-period",
      untilMs: sh(6, 8),
    });
    expect(friendlyStatus(policy, "Asia/Shanghai", sh(6, 20))).toEqual({
      reason: "friendly-period",
      untilMs: sh(8, 8),
    }); // through the holiday
    expect(friendlyStatus(policy, "Asia/Shanghai", sh(7, 12))).toEqual({
      reason: "holiday",
      untilMs: sh(8, 8),
    });
    expect(friendlyStatus(policy, "Asia/Shanghai", sh(11, 12))).toEqual({
      reason: "friendly-day",
      untilMs: sh(12, 8),
    });
  });

  it("says the end is unknown when every day is friendly", () => {
    const always = compilePolicy(
      policyConfigSchema.parse({
        friendlyPeriods: [],
        friendlyDays: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
      }),
    );
    expect(friendlyStatus(always, "UTC", Date.UTC(2026, 0, 5))).toEqual({
      reason: "friendly-day",
      untilMs: undefined,
    });
  });
});
