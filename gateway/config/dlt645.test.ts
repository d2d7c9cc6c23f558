import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hostPathIssues } from "../cli/host-paths.ts";
import { formatConfigErrors } from "./config-error.ts";
import { parseConfig, type ParseConfigOptions } from "./parse.ts";
import { yamlLines } from "./testing/parse-options.ts";

/** The shipped profiles, by protocol, as the CLI's profile loader reports them. */
const profiles = new Map([
  ["sdm120", "modbus"],
  ["generic-prepaid", "modbus"],
  ["dlt645-single-phase", "dlt645"],
  ["dlt645-three-phase", "dlt645"],
]);
const options: ParseConfigOptions = {
  sourceName: "config.yaml",
  baseDir: "/etc/mg",
  profileNames: () => profiles,
};

function valid(text: string) {
  const result = parseConfig(text, options);
  if (!result.ok) throw new Error(formatConfigErrors(result.errors, "config.yaml"));
  return result.config;
}

function errors(text: string, parse: ParseConfigOptions = options): string[] {
  const result = parseConfig(text, parse);
  if (result.ok) throw new Error("expected the config to be rejected");
  return result.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`);
}

describe("DL/T 645 buses and meters in the config", () => {
  it("defaults a DL/T 645 serial line to 2400 8E1 and takes the protocol from the meters' profile", () => {
    const config = valid(
      yamlLines(
        "gateway: { id: gw, dataDir: /d, timezone: Asia/Shanghai }",
        "buses:",
        "  - { id: dl, transport: serial, path: /dev/ttyUSB1 }",
        "meters:",
        "  - { id: m1, bus: dl, address: '000000000001', profile: dlt645-single-phase }",
        "  - { id: m2, bus: dl, address: 1668, profile: dlt645-three-phase,",
        "      relay: { level: 4, passwordFile: secret, passwordByteOrder: as-written, operator: '12345678' } }",
      ),
    );
    expect(config.buses[0]).toEqual({
      id: "dl",
      protocol: "dlt645",
      transport: "serial",
      path: "/dev/ttyUSB1",
      baudRate: 2400,
      parity: "even",
      dataBits: 8,
      stopBits: 1,
      timeoutMs: 1500,
      interFrameGapMs: 50,
      retries: 1,
      backoff: { initialMs: 5000, maxMs: 300000 },
    });
    expect(config.meters[0]).toMatchObject({
      protocol: "dlt645",
      address: "000000000001",
      relay: { level: 2, passwordByteOrder: "low-first", operator: "00000000" },
    });
    // A YAML number loses its leading zeros; they come back. The password file resolves like any path.
    expect(config.meters[1]).toMatchObject({
      address: "000000001668",
      relay: {
        level: 4,
        passwordFile: "/etc/mg/secret",
        passwordByteOrder: "as-written",
        operator: "12345678",
      },
    });
  });

  it("takes an explicit protocol and a transparent TCP converter", () => {
    const config = valid(
      yamlLines(
        "gateway: { id: gw, dataDir: /d }",
        "buses: [{ id: conv, protocol: dlt645, transport: tcp, host: 10.0.0.7, port: 8899 }]",
        "meters: [{ id: m1, protocol: dlt645, bus: conv, address: '123456789012', profile: dlt645-single-phase }]",
      ),
    );
    expect(config.buses[0]).toMatchObject({
      protocol: "dlt645",
      transport: "tcp",
      port: 8899,
      timeoutMs: 1500,
    });
  });

  it("names every bad address, key and protocol mix-up with file, line, column and path", () => {
    const text = yamlLines(
      /*  1 */ "gateway: { id: gw, dataDir: /d }",
      /*  2 */ "buses:",
      /*  3 */ "  - { id: dl, protocol: dlt645, transport: rtu, path: /dev/ttyUSB1 }",
      /*  4 */ "  - { id: dl2, protocol: dlt645, transport: serial, path: /dev/ttyUSB2 }",
      /*  5 */ "  - { id: mb, transport: rtu, path: /dev/ttyUSB0 }",
      /*  6 */ "meters:",
      /*  7 */ "  - { id: a1, bus: dl2, address: '00000000001', profile: dlt645-single-phase }",
      /*  8 */ "  - { id: a2, bus: dl2, address: '00000000000A', profile: dlt645-single-phase }",
      /*  9 */ "  - { id: a3, bus: dl2, address: '999999999999', profile: dlt645-single-phase }",
      /* 10 */ "  - { id: a4, bus: dl2, unit: 3, address: '000000000004', profile: dlt645-single-phase }",
      /* 11 */ "  - { id: a5, bus: mb, unit: 1, address: '000000000005', profile: sdm120 }",
      /* 12 */ "  - { id: a6, bus: mb, address: '000000000006', profile: dlt645-single-phase }",
      /* 13 */ "  - { id: a7, bus: dl2, protocol: dlt645, address: '000000000007', profile: sdm120 }",
      /* 14 */ "  - { id: a8, bus: dl2, address: '000000000009', profile: dlt645-single-phase,",
      /* 15 */ "      relay: { level: 100, operator: 'abc', passwordByteOrder: reversed } }",
      /* 16 */ "  - { id: a9, bus: dl2, address: 9, profile: dlt645-single-phase }",
    );
    expect(errors(text)).toEqual([
      "3:44 buses[0].transport: transport must be one of 'serial', 'tcp' (got 'rtu')",
      "7:34 meters[0].address: address must be 12 digits (got '00000000001', 11 digits)",
      "8:34 meters[1].address: address may contain only the digits 0-9 (got '00000000000A', with 'A')",
      "9:34 meters[2].address: address 999999999999 is the broadcast address, not a meter's",
      "10:25 meters[3].unit: unit applies only to Modbus meters: a DL/T 645 meter is addressed by its 12-digit `address`",
      "11:33 meters[4].address: address applies only to DL/T 645 meters: a Modbus meter is addressed by its `unit` (1..247)",
      "12:20 meters[5].bus: meter 'a6' speaks dlt645 but bus 'mb' is modbus: one bus carries one protocol",
      "13:77 meters[6].profile: profile 'sdm120' is a modbus profile, but this meter's protocol is dlt645",
      "15:23 meters[7].relay.level: level must be between 0 and 99 (got 100)",
      "15:38 meters[7].relay.operator: operator must be 8 decimal digits, e.g. '00000001' (got 'abc')",
      "15:64 meters[7].relay.passwordByteOrder: passwordByteOrder must be one of 'low-first', 'as-written' (got 'reversed')",
      "16:34 meters[8].address: address 000000000009 on bus 'dl2' is already used by meter 'a8' (meters[7])",
    ]);
  });

  it("check-config reads the password file: a missing file and a bad one are named, the content never", () => {
    const dir = mkdtempSync(join(tmpdir(), "mg-pw-"));
    writeFileSync(join(dir, "good"), "123456\n");
    writeFileSync(join(dir, "bad"), "hunter2-secret\n");
    const text = yamlLines(
      `gateway: { id: gw, dataDir: ${dir} }`,
      "buses: [{ id: dl, transport: serial, path: /dev/ttyUSB1 }]",
      "meters:",
      "  - { id: m1, bus: dl, address: '000000000001', profile: dlt645-single-phase, relay: { passwordFile: good } }",
      "  - { id: m2, bus: dl, address: '000000000002', profile: dlt645-single-phase, relay: { passwordFile: bad } }",
      "  - { id: m3, bus: dl, address: '000000000003', profile: dlt645-single-phase, relay: { passwordFile: gone } }",
    );
    const found = errors(text, { ...options, baseDir: dir, hostChecks: hostPathIssues });
    expect(found).toEqual([
      `5:102 meters[1].relay.passwordFile: ${dir}/bad must hold the 6-digit meter password and nothing else (it holds 14 characters)`,
      `6:102 meters[2].relay.passwordFile: cannot read the meter password file ${dir}/gone: it does not exist`,
    ]);
    expect(found.join("\n")).not.toContain("hunter2");
  });
});
