import { describe, expect, it } from "vitest";
import { parseConfig } from "./parse.ts";
import { knownProfiles, parseOptions, yamlLines } from "../../test/helpers/config/parse-options.ts";

const minimal = yamlLines(
  "gateway:",
  "  id: gw-1",
  "  dataDir: data",
  "buses:",
  "  - id: rs485-1",
  "    transport: rtu",
  "    path: /dev/ttyUSB0",
  "  - id: tcp-1",
  "    transport: tcp",
  "    host: 10.0.0.5",
  "meters:",
  "  - id: m1",
  "    bus: rs485-1",
  "    unit: 1",
  "    profile: sdm120",
  "  - id: m2",
  "    bus: tcp-1",
  "    unit: 1",
  "    profile: sdm630",
);

function parseValid(text: string) {
  const result = parseConfig(text, parseOptions);
  if (!result.ok) throw new Error(`expected a valid config, got ${JSON.stringify(result.errors)}`);
  return result;
}

describe("parseConfig on a valid file", () => {
  it("applies every default", () => {
    const { config, warnings } = parseValid(minimal);
    expect(config.gateway).toEqual({
      id: "gw-1",
      dataDir: "/etc/meter-gateway/data",
      timezone: "UTC",
      logLevel: "info",
    });
    expect(config.buses[0]).toEqual({
      id: "rs485-1",
      transport: "rtu",
      path: "/dev/ttyUSB0",
      baudRate: 9600,
      parity: "none",
      dataBits: 8,
      stopBits: 1,
      timeoutMs: 500,
      interFrameGapMs: 20,
      retries: 1,
      backoff: { initialMs: 5000, maxMs: 300000 },
    });
    expect(config.buses[1]).toMatchObject({ transport: "tcp", host: "10.0.0.5", port: 502, timeoutMs: 500 });
    expect(config.meters[0]).toEqual({
      id: "m1",
      protocol: "modbus",
      bus: "rs485-1",
      unit: 1,
      profile: "sdm120",
      pollIntervalMs: 10000,
    });
    expect(config.accounts).toBeUndefined();
    expect(config.mqtt).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it("returns a deeply frozen config", () => {
    const { config } = parseValid(minimal);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.gateway)).toBe(true);
    expect(Object.isFrozen(config.buses)).toBe(true);
    expect(Object.isFrozen(config.buses[0]!.backoff)).toBe(true);
    expect(Object.isFrozen(config.meters[1])).toBe(true);
    expect(() => {
      (config.meters[0] as { unit: number }).unit = 2;
    }).toThrow(TypeError);
  });

  it("resolves relative paths against baseDir and keeps absolute ones", () => {
    const text = minimal.replace("  dataDir: data", "  dataDir: /srv/mg\n  profilesDir: ../profiles");
    const seen: (string | undefined)[] = [];
    const result = parseConfig(text, {
      ...parseOptions,
      profileNames: (dir) => {
        seen.push(dir);
        return knownProfiles;
      },
    });
    expect(result.ok && result.config.gateway).toMatchObject({
      dataDir: "/srv/mg",
      profilesDir: "/etc/profiles",
    });
    expect(seen).toEqual(["/etc/profiles"]);
  });

  it("accepts every transport with its own keys and the optional sections", () => {
    const text = yamlLines(
      minimal.trimEnd(),
      "  - id: m3",
      "    bus: rs485-1",
      "    unit: 2",
      "    profile: dtsu666",
      "    account: a1",
      "    maxPowerW: 4500.5",
      "accounts:",
      "  - id: a1",
      "    tariff: t1",
      "tariffs:",
      '  - { id: t1, kind: flat, price: "0.5283" }',
      "policy: {}",
      "mqtt:",
      "  url: mqtt://localhost:1883",
    );
    const { config } = parseValid(text);
    expect(config.meters[2]).toMatchObject({ account: "a1", maxPowerW: 4500.5 });
    expect(config.mqtt).toEqual({ url: "mqtt://localhost:1883", topicPrefix: "mg" });
    expect(config.accounts).toMatchObject([
      { id: "a1", tariff: "t1", balance: "0", hoardingLimit: "10000.00" },
    ]);
    expect(config.tariffs).toEqual([{ id: "t1", kind: "flat", price: "0.5283" }]);
  });

  it("warns about buses without meters, overrunning poll intervals and credentials without TLS", () => {
    const text = yamlLines(
      "gateway: { id: gw, dataDir: /d }",
      "buses:",
      "  - { id: b1, transport: tcp, host: h, timeoutMs: 2000, retries: 2 }",
      "  - { id: idle, transport: tcp, host: h2 }",
      "meters:",
      "  - { id: m1, bus: b1, unit: 1, profile: sdm120, pollIntervalMs: 1000 }",
      "mqtt:",
      "  url: mqtt://broker",
      "  passwordFile: /p",
    );
    const { warnings } = parseValid(text);
    expect(warnings).toEqual([
      { path: "buses[1].id", line: 4, column: 11, message: "bus 'idle' has no meters" },
      {
        path: "meters[0].pollIntervalMs",
        line: 6,
        column: 66,
        message:
          "pollIntervalMs 1000 is shorter than one unanswered request on bus 'b1' (3 x (timeoutMs 2000 + interFrameGapMs 20) = 6060 ms)",
      },
      {
        path: "mqtt.passwordFile",
        line: 9,
        column: 17,
        message: "the broker password is sent unencrypted: url 'mqtt://broker' is not mqtts:// or wss://",
      },
    ]);
  });
});
