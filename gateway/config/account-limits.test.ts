/**
 * Account limits in the config file follow the rules of gateway/prepaid/limits.ts (the same ones the
 * account.set command applies), each reported once at the line and column of the field it blames.
 */
import { describe, expect, it } from "vitest";
import { formatConfigErrors } from "./config-error.ts";
import { parseConfig } from "./parse.ts";
import { parseOptions, yamlLines } from "../../test/helpers/config/parse-options.ts";

/** A valid file whose only account is `account` (YAML flow mapping) on line 4. */
function errorsFor(account: string): string {
  const text = yamlLines(
    "gateway: { id: gw, dataDir: /d }",
    "buses: [{ id: b, transport: rtu, path: /dev/ttyS0 }]",
    "meters: [{ id: m, bus: b, unit: 1, profile: sdm120, account: a }]",
    `accounts: [${account}]`,
    'tariffs: [{ id: t, kind: flat, price: "0.5" }]',
  );
  const result = parseConfig(text, parseOptions);
  return result.ok ? "" : formatConfigErrors(result.errors, "config.yaml");
}

describe("account limits in the config file", () => {
  it("refuses hoardingLimit <= closeAllowedMin at hoardingLimit", () => {
    expect(errorsFor('{ id: a, tariff: t, hoardingLimit: "0.20", closeAllowedMin: "0.20" }')).toBe(
      "config.yaml:4:47 accounts[0].hoardingLimit: hoardingLimit must exceed closeAllowedMin, or no top-up could restore supply",
    );
  });

  it("reports a negative limit once, at that limit, not again as a broken rule of another field", () => {
    expect(errorsFor('{ id: a, tariff: t, overdraftLimit: "-1" }')).toBe(
      'config.yaml:4:48 accounts[0].overdraftLimit: "-1" must not be negative',
    );
  });
});
