import { describe, expect, it } from "vitest";
import { formatConfigErrors } from "./config-error.ts";
import { parseConfig } from "./parse.ts";
import { parseOptions, yamlLines } from "../../test/helpers/config/parse-options.ts";

function errorsOf(text: string, options = parseOptions) {
  const result = parseConfig(text, options);
  if (result.ok) throw new Error("expected the config to be rejected");
  return result.errors;
}

// Line numbers are on the left; every assertion below points into this file.
const broken = yamlLines(
  /*  1 */ "gateway:",
  /*  2 */ "  id: gw 1",
  /*  3 */ "  timezone: Mars/Olympus",
  /*  4 */ "  logLevel: verbose",
  /*  5 */ "  colour: blue",
  /*  6 */ "buses:",
  /*  7 */ "  - id: rs485-1",
  /*  8 */ "    transport: rtu",
  /*  9 */ "    path: /dev/ttyUSB0",
  /* 10 */ "    baudrate: 9600",
  /* 11 */ "    parity: N",
  /* 12 */ "  - id: tcp-1",
  /* 13 */ "    transport: tcp",
  /* 14 */ "    host: 10.0.0.5",
  /* 15 */ "    baudRate: 9600",
  /* 16 */ "    timeoutMs: 5",
  /* 17 */ "  - id: rs485-1",
  /* 18 */ "    transport: serial",
  /* 19 */ "  - id: tcp-2",
  /* 20 */ "    transport: rtu-over-tcp",
  /* 21 */ "    backoff:",
  /* 22 */ "      initialMs: 10000",
  /* 23 */ "      maxMs: 1000",
  /* 24 */ "meters:",
  /* 25 */ "  - id: m1",
  /* 26 */ "    bus: rs485-1",
  /* 27 */ "    unit: 1",
  /* 28 */ "    profile: sdm120",
  /* 29 */ "    account: acc-1",
  /* 30 */ "  - id: m2",
  /* 31 */ "    bus: rs485-1",
  /* 32 */ "    unit: 1",
  /* 33 */ "    profile: sdm-120",
  /* 34 */ "  - id: m1",
  /* 35 */ "    bus: rs485-2",
  /* 36 */ "    unit: 300",
  /* 37 */ "    profile: sdm630",
  /* 38 */ "    account: acc-9",
  /* 39 */ "  - id: m4",
  /* 40 */ "    bus: tcp-1",
  /* 41 */ "    unit: '5'",
  /* 42 */ "    pollIntervalMs: 50",
  /* 43 */ "    maxPowerW: -1",
  /* 44 */ "accounts:",
  /* 45 */ "  - id: acc-1",
  /* 46 */ "    tariff: t9",
  /* 47 */ "  - id: acc-1",
  /* 48 */ "tariffs:",
  /* 49 */ "  - id: t1",
  /* 50 */ "mqtt:",
  /* 51 */ "  url: http://broker",
  /* 52 */ "extra: 1",
);

describe("parseConfig on an invalid file", () => {
  it("reports every schema and cross-reference error at once, in source order, with path and line", () => {
    expect(errorsOf(broken)).toEqual([
      { path: "gateway.dataDir", line: 2, column: 3, message: "dataDir is required" },
      {
        path: "gateway.id",
        line: 2,
        column: 7,
        message: "id may contain only letters, digits, '_' and '-' (got 'gw 1')",
      },
      {
        path: "gateway.timezone",
        line: 3,
        column: 13,
        message:
          "timezone must be an IANA time zone name such as 'UTC' or 'Asia/Shanghai' (got 'Mars/Olympus')",
      },
      {
        path: "gateway.logLevel",
        line: 4,
        column: 13,
        message: "logLevel must be one of 'trace', 'debug', 'info', 'warn', 'error' (got 'verbose')",
      },
      {
        path: "gateway.colour",
        line: 5,
        column: 3,
        message:
          "unknown key 'colour' (allowed: id, dataDir, timezone, logLevel, httpPort, socketPath, profilesDir, diskReserveMiB)",
      },
      {
        path: "buses[0].baudrate",
        line: 10,
        column: 5,
        message: "unknown key 'baudrate' (did you mean 'baudRate'?)",
      },
      {
        path: "buses[0].parity",
        line: 11,
        column: 13,
        message: "parity must be one of 'none', 'even', 'odd' (got 'N')",
      },
      {
        path: "buses[1].baudRate",
        line: 15,
        column: 5,
        message: "baudRate applies only to transport 'rtu' (this bus is 'tcp')",
      },
      {
        path: "buses[1].timeoutMs",
        line: 16,
        column: 16,
        message: "timeoutMs must be between 10 and 30000 (got 5)",
      },
      { path: "buses[2].id", line: 17, column: 9, message: "id 'rs485-1' is already used by buses[0]" },
      {
        path: "buses[2].transport",
        line: 18,
        column: 16,
        message: "transport must be one of 'rtu', 'tcp', 'rtu-over-tcp' (got 'serial')",
      },
      { path: "buses[3].host", line: 19, column: 5, message: "host is required" },
      {
        path: "buses[3].backoff.maxMs",
        line: 23,
        column: 14,
        message: "maxMs must be at least initialMs (10000) (got 1000)",
      },
      {
        path: "meters[1].unit",
        line: 32,
        column: 11,
        message: "unit 1 on bus 'rs485-1' is already used by meter 'm1' (meters[0])",
      },
      {
        path: "meters[1].profile",
        line: 33,
        column: 14,
        message:
          "profile 'sdm-120' is not known (did you mean 'sdm120'? known: dtsu666, generic-prepaid, sdm120, sdm630)",
      },
      { path: "meters[2].id", line: 34, column: 9, message: "id 'm1' is already used by meters[0]" },
      {
        path: "meters[2].bus",
        line: 35,
        column: 10,
        message: "bus 'rs485-2' is not defined (did you mean 'rs485-1'? defined: rs485-1, tcp-1, tcp-2)",
      },
      { path: "meters[2].unit", line: 36, column: 11, message: "unit must be between 1 and 247 (got 300)" },
      {
        path: "meters[2].account",
        line: 38,
        column: 14,
        message: "account 'acc-9' is not defined (did you mean 'acc-1'? defined: acc-1)",
      },
      { path: "meters[3].profile", line: 39, column: 5, message: "profile is required" },
      {
        path: "meters[3].unit",
        line: 41,
        column: 11,
        message: "unit must be a whole number between 1 and 247 (got '5')",
      },
      {
        path: "meters[3].pollIntervalMs",
        line: 42,
        column: 21,
        message: "pollIntervalMs must be between 100 and 86400000 (got 50)",
      },
      {
        path: "meters[3].maxPowerW",
        line: 43,
        column: 16,
        message: "maxPowerW must be greater than 0 (got -1)",
      },
      {
        path: "accounts[0].tariff",
        line: 46,
        column: 13,
        message: "tariff 't9' is not defined (did you mean 't1'? defined: t1)",
      },
      { path: "accounts[1].tariff", line: 47, column: 5, message: "tariff is required" },
      { path: "accounts[1].id", line: 47, column: 9, message: "id 'acc-1' is already used by accounts[0]" },
      {
        path: "tariffs[0].kind",
        line: 49,
        column: 5,
        message: "kind is required (one of 'flat', 'tou', 'tiered')",
      },
      {
        path: "mqtt.url",
        line: 51,
        column: 8,
        message: "url must be a URL starting with mqtt://, mqtts://, ws:// or wss:// (got 'http://broker')",
      },
      {
        path: "extra",
        line: 52,
        column: 1,
        message:
          "unknown key 'extra' (allowed: gateway, buses, meters, accounts, tariffs, policy, mqtt, http, terminals)",
      },
    ]);
  });

  it("formats errors as file:line:col path: message", () => {
    const text = yamlLines(
      "gateway: { id: gw, dataDir: /d }",
      "buses: [{ id: b, transport: rtu, path: /dev/ttyS0 }]",
      "meters:",
      "  - id: m",
      "    bus: b",
      "    unit: 300",
      "    profile: sdm120",
    );
    expect(formatConfigErrors(errorsOf(text), "config.yaml")).toBe(
      "config.yaml:6:11 meters[0].unit: unit must be between 1 and 247 (got 300)",
    );
  });

  it("points a missing section at the top of the file and an empty section at its key", () => {
    expect(errorsOf(yamlLines("gateway:", "buses: []"))).toEqual([
      { path: "gateway", line: 1, column: 1, message: "gateway is empty (expected a mapping)" },
      { path: "meters", line: 1, column: 1, message: "meters is required" },
    ]);
  });

  it("reports YAML syntax errors with their line and nothing else", () => {
    const errors = errorsOf(yamlLines("gateway:", "  id: gw", "buses: [", "meters: []", "  unit: 3"));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatchObject({ path: "", line: 4, column: 1 });
    expect(errors.every((error) => error.line !== undefined)).toBe(true);
  });

  it("reports a repeated key as a syntax error at the repetition", () => {
    const errors = errorsOf(yamlLines("gateway:", "  id: a", "  id: b"));
    expect(errors).toEqual([{ path: "", line: 3, column: 3, message: "Map keys must be unique" }]);
  });

  it("rejects an empty file and a file that is not a mapping", () => {
    expect(errorsOf("")).toEqual([
      {
        path: "",
        line: 1,
        column: 1,
        message: "config.yaml must be a mapping with keys gateway, buses and meters (it is empty)",
      },
    ]);
    expect(errorsOf("- a\n- b\n")[0]?.message).toBe(
      "config.yaml must be a mapping with keys gateway, buses and meters (got a list)",
    );
  });

  it("reports a profile loader failure at gateway.profilesDir and skips profile checks", () => {
    const text = yamlLines(
      "gateway: { id: gw, dataDir: /d, profilesDir: /nope }",
      "buses: [{ id: b, transport: rtu, path: /dev/ttyS0 }]",
      "meters: [{ id: m, bus: b, unit: 1, profile: anything }]",
    );
    const errors = errorsOf(text, {
      ...parseOptions,
      profileNames: () => {
        throw new Error("ENOENT: no such directory /nope");
      },
    });
    expect(errors).toEqual([
      {
        path: "gateway.profilesDir",
        line: 1,
        column: 46,
        message: "cannot load meter profiles: ENOENT: no such directory /nope",
      },
    ]);
  });

  it("names the transport for network keys on a serial bus", () => {
    const text = yamlLines(
      "gateway: { id: gw, dataDir: /d }",
      "buses: [{ id: b, transport: rtu, path: /dev/ttyS0, host: x, port: 502 }]",
      "meters: []",
    );
    expect(errorsOf(text).map((error) => `${error.path}: ${error.message}`)).toEqual([
      "buses[0].host: host applies only to transport 'tcp' or 'rtu-over-tcp' (this bus is 'rtu')",
      "buses[0].port: port applies only to transport 'tcp' or 'rtu-over-tcp' (this bus is 'rtu')",
    ]);
  });
});
