/**
 * account.set obeys the same threshold rules as the config file (gateway/prepaid/limits.ts): a change
 * that would leave the account's limits inconsistent is refused with THRESHOLD_INVALID and changes nothing.
 */
import { afterEach, describe, expect, it } from "vitest";
import { domainSnapshot } from "../../test/helpers/uplink/fixtures.ts";
import { openCommandRig } from "../../test/helpers/billing/command-rig.ts";
import { closeEngineRigs } from "../../test/helpers/billing/engine-rig.ts";

afterEach(closeEngineRigs);

// a1 (rigConfig): alarms 50.00 / 30.00, overdraftLimit 0, closeAllowedMin 0.20, hoardingLimit 10000.00.
describe("account.set thresholds", () => {
  it.each([
    [
      "hoardingLimit equal to closeAllowedMin",
      { hoardingLimit: "0.20" },
      "hoardingLimit must exceed closeAllowedMin",
    ],
    [
      "hoardingLimit below closeAllowedMin",
      { hoardingLimit: "0.10" },
      "hoardingLimit must exceed closeAllowedMin",
    ],
    [
      "closeAllowedMin raised to hoardingLimit",
      { closeAllowedMin: "10000" },
      "hoardingLimit must exceed closeAllowedMin",
    ],
    ["alarm2 above alarm1", { alarm2: "60.00" }, "alarm2 must not exceed alarm1"],
    [
      "closeAllowedMin below -overdraftLimit",
      { closeAllowedMin: "-0.01" },
      "closeAllowedMin must be >= -overdraftLimit",
    ],
  ])("refuses %s with THRESHOLD_INVALID and changes nothing", (_name, patch, message) => {
    const { store, send } = openCommandRig();
    const before = domainSnapshot(store);
    const response = send("account.set", { account: "a1", tariff: "flat", ...patch });
    expect(response).toMatchObject({ status: "error", code: "THRESHOLD_INVALID" });
    expect(response).toHaveProperty("message", expect.stringContaining(message));
    expect(domainSnapshot(store)).toEqual(before);
  });

  it("applies a consistent change and answers the limits now in force", () => {
    const { store, send } = openCommandRig();
    const response = send("account.set", { account: "a1", hoardingLimit: "0.21", alarm2: "0.10" });
    expect(response).toMatchObject({
      status: "ok",
      result: { account: "a1", hoardingLimit: "0.21", alarm2: "0.10", closeAllowedMin: "0.20" },
    });
    expect(store.accounts.get("a1")?.thresholds.hoardingLimitE7).toBe(2_100_000);
  });
});
