import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir, type TempDir } from "../helpers/index.ts";
import { gatewayCli, runCli } from "../helpers/run-cli.ts";

let dir: TempDir | undefined;
afterAll(async () => dir?.remove());

async function writeConfig(name: string, text: string): Promise<string> {
  dir ??= await tempDir("check-config-");
  const file = join(dir.path, name);
  writeFileSync(file, text);
  return file;
}

describe("meter-gateway check-config", () => {
  it("prints every error at once with file, line and path, and exits 1", async () => {
    const file = await writeConfig(
      "bad.yaml",
      [
        "gateway: { id: gw1, dataDir: ./data }",
        "buses:",
        "  - { id: b1, transport: tcp, host: 127.0.0.1, baudRate: 9600 }",
        "meters:",
        "  - { id: m1, bus: b2, unit: 300, profile: sdm121 }",
        "  - { id: m1, bus: b1, unit: 1, profile: sdm120 }",
        "extra: 1",
      ].join("\n"),
    );
    const result = await runCli(gatewayCli, ["check-config", "-c", file]);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /bad\.yaml:3:\d+ buses\[0\]\.baudRate: baudRate applies only to transport 'rtu'/,
        ),
        expect.stringMatching(/bad\.yaml:5:\d+ meters\[0\]\.bus: bus 'b2' is not defined/),
        expect.stringMatching(
          /bad\.yaml:5:\d+ meters\[0\]\.unit: unit must be between 1 and 247 \(got 300\)/,
        ),
        expect.stringMatching(/bad\.yaml:5:\d+ meters\[0\]\.profile: profile 'sdm121' is not known/),
        expect.stringMatching(/bad\.yaml:6:\d+ meters\[1\]\.id: id 'm1' is already used/),
        expect.stringMatching(/bad\.yaml:7:1 extra: unknown key 'extra'/),
        expect.stringMatching(/6 error\(s\)$/),
      ]),
    );
  });

  it("summarises a valid file and exits 0", async () => {
    const file = await writeConfig(
      "good.yaml",
      [
        "gateway: { id: gw1, dataDir: ./data }",
        "buses:",
        "  - { id: rs485-1, transport: rtu, path: /dev/ttyUSB0, baudRate: 9600 }",
        "meters:",
        "  - { id: m1, bus: rs485-1, unit: 1, profile: generic-prepaid }",
      ].join("\n"),
    );
    const result = await runCli(gatewayCli, ["check-config", "-c", file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/valid/);
    expect(result.stdout).toMatch(/rs485-1 rtu \/dev\/ttyUSB0 9600 8N1 \(1 meter\)/);
  });

  it("names a missing file", async () => {
    const result = await runCli(gatewayCli, ["check-config", "-c", "/nonexistent/config.yaml"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\/nonexistent\/config\.yaml/);
  });
});
