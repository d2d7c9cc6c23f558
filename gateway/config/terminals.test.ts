/** `terminals[]`: prepayment terminals bound to accounts; every mistake names its field. */
import { describe, expect, it } from "vitest";
import { parseConfig } from "./parse.ts";
import { parseOptions, yamlLines } from "../../test/helpers/config/parse-options.ts";

function parse(...terminals: string[]) {
  return parseConfig(
    yamlLines(
      "gateway: { id: gw, dataDir: /d }",
      "buses:",
      "  - { id: b1, transport: tcp, host: h }",
      "meters:",
      "  - { id: m1, bus: b1, unit: 1, profile: generic-prepaid, account: a1 }",
      "  - { id: m2, bus: b1, unit: 2, profile: generic-prepaid, account: a2 }",
      "accounts:",
      "  - { id: a1, tariff: t1, balance: '10' }",
      "  - { id: a2, tariff: t1, balance: '10' }",
      "tariffs:",
      "  - { id: t1, kind: flat, price: '0.5' }",
      "terminals:",
      ...terminals.map((t) => `  - ${t}`),
    ),
    parseOptions,
  );
}

function errors(result: ReturnType<typeof parse>): string[] {
  return result.ok ? [] : result.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`);
}

describe("terminals[]", () => {
  it("takes a terminal on a Modbus bus with the defaults documented in docs/terminals.md", () => {
    const result = parse("{ id: t1, bus: b1, unit: 20, account: a1 }");
    expect(errors(result)).toEqual([]);
    expect(result.ok && result.config.terminals).toEqual([
      {
        id: "t1",
        bus: "b1",
        unit: 20,
        account: "a1",
        profile: "generic-terminal",
        refreshMs: 5000,
        inputPollMs: 2000,
      },
    ]);
  });

  it("names the field of each mistake, with file line and column", () => {
    const result = parse(
      "{ id: t1, bus: b2, unit: 1, account: a3, profile: generic-terminl }",
      "{ id: m2, bus: b1, unit: 2, account: a1, meters: [m1, m2], refreshMs: 10 }",
    );
    expect(errors(result)).toEqual([
      "13:20 terminals[0].bus: bus 'b2' is not defined (did you mean 'b1'? defined: b1)",
      "13:42 terminals[0].account: account 'a3' is not defined (did you mean 'a1'? defined: a1, a2)",
      "13:55 terminals[0].profile: profile 'generic-terminl' is not known (did you mean 'generic-terminal'? known: generic-terminal)",
      "14:11 terminals[1].id: id 'm2' is already a meter's id",
      "14:30 terminals[1].unit: unit 2 on bus 'b1' is already used by meter 'm2'",
      "14:59 terminals[1].meters[1]: meter 'm2' bills account 'a2', not 'a1'",
      "14:75 terminals[1].refreshMs: refreshMs must be between 500 and 3600000 (got 10)",
    ]);
  });
});
