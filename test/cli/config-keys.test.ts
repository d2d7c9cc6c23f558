/**
 * `check-config` on the key settings (docs/mqtt.md 7, docs/provisioning.md): each bad command key or
 * uplink key entry is named by its own field in the `file:line:col path: message` form, and a key file's
 * content never appears in the output.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir, type TempDir } from "../helpers/index.ts";
import { gatewayCli, runCli } from "../helpers/run-cli.ts";

let dir: TempDir | undefined;
afterAll(async () => dir?.remove());

async function configWith(mqtt: string[]): Promise<string> {
  dir ??= await tempDir("config-keys-");
  const file = join(dir.path, "keys.yaml");
  writeFileSync(
    file,
    [
      `gateway: { id: gw1, dataDir: ${join(dir.path, "data")} }`,
      "buses: [{ id: b1, transport: tcp, host: 127.0.0.1, port: 1 }]",
      "meters: [{ id: m1, bus: b1, unit: 1, profile: sdm120 }]",
      "mqtt:",
      "  url: mqtt://127.0.0.1:1",
      ...mqtt,
      "",
    ].join("\n"),
  );
  return file;
}

describe("check-config names every bad key setting", () => {
  it("reports ids, windows, duplicates and the single-key form beside a list, each at its field", async () => {
    const file = await configWith([
      "  commandKeyFile: old.key",
      "  commandKeys:",
      '    - { id: "bad id", file: a.key }',
      '    - { id: k2, file: b.key, notBefore: "2027-01-01T00:00:00Z", notAfter: "2026-12-01T00:00:00Z" }',
      '    - { id: k2, file: c.key, notAfter: "tomorrow" }',
    ]);
    const result = await runCli(gatewayCli, ["check-config", "-c", file]);
    expect(result.code, result.stdout).toBe(1);
    expect(result.stderr).toMatch(/keys\.yaml:8:\d+ mqtt\.commandKeys\[0\]\.id: .*letters, digits/);
    expect(result.stderr).toMatch(
      /keys\.yaml:9:\d+ mqtt\.commandKeys\[1\]\.notAfter: notAfter must be after notBefore/,
    );
    expect(result.stderr).toMatch(
      /keys\.yaml:10:\d+ mqtt\.commandKeys\[2\]\.id: id 'k2' is already used by commandKeys\[1\]/,
    );
    expect(result.stderr).toMatch(/keys\.yaml:10:\d+ mqtt\.commandKeys\[2\]\.notAfter: .*ISO 8601/);
    expect(result.stderr).toMatch(
      /keys\.yaml:8:\d+ mqtt\.commandKeys: commandKeys and commandKeyFile cannot both be set/,
    );
  });

  it("names an unreadable command key file by its index and a short uplink key by its field, without the key", async () => {
    dir ??= await tempDir("config-keys-");
    writeFileSync(join(dir.path, "good.key"), `${"g".repeat(40)}\n`);
    writeFileSync(join(dir.path, "uplink.key"), "uplink-secret\n");
    const file = await configWith([
      "  commandKeys:",
      "    - { id: k1, file: good.key }",
      "    - { id: k2, file: missing.key }",
      "  uplinkKey: { id: up1, file: uplink.key }",
    ]);
    const result = await runCli(gatewayCli, ["check-config", "-c", file]);
    expect(result.code, result.stdout).toBe(1);
    expect(result.stderr).toMatch(
      /keys\.yaml:8:\d+ mqtt\.commandKeys\[1\]\.file: cannot read the command key file .*missing\.key: it does not exist/,
    );
    expect(result.stderr).toMatch(
      /keys\.yaml:9:\d+ mqtt\.uplinkKey\.file: .*uplink\.key: uplink key is 13 characters; at least 32 are required/,
    );
    expect(result.stderr).not.toContain("uplink-secret");
    expect(result.stderr).not.toContain("g".repeat(40));
  });
});
