/**
 * `check-config` must refuse what `run` refuses: files the config names that cannot be read (or a
 * command key too short to sign with) and a data directory that cannot be written, each named by its
 * config field in the `file:line:col path: message` form. `run` must name the field too, and must not
 * spin on a data directory it cannot create (Node's recursive mkdir loops forever under /proc).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir, type TempDir } from "../helpers/index.ts";
import { gatewayCli, runCli } from "../helpers/run-cli.ts";

let dir: TempDir | undefined;
afterAll(async () => dir?.remove());

async function workDir(): Promise<string> {
  dir ??= await tempDir("host-paths-");
  return dir.path;
}

/** A valid config whose data dir and `mqtt` lines are given; line 1 is `gateway`, line 5 `mqtt`. */
async function configWith(name: string, dataDir: string, mqtt: string): Promise<string> {
  const file = join(await workDir(), name);
  writeFileSync(
    file,
    [
      `gateway: { id: gw1, dataDir: ${dataDir} }`,
      "buses:",
      "  - { id: b1, transport: tcp, host: 127.0.0.1, port: 1 }",
      "meters: [{ id: m1, bus: b1, unit: 1, profile: sdm120 }]",
      mqtt,
      "",
    ].join("\n"),
  );
  return file;
}

describe("check-config and run refuse files and directories they cannot use", () => {
  it("names a missing, unreadable or too short command key, a missing password and TLS files", async () => {
    const base = await workDir();
    const shortKey = join(base, "short.key");
    writeFileSync(shortKey, "too-short\n");
    const keyDir = join(base, "key-dir");
    mkdirSync(keyDir, { recursive: true });
    const file = await configWith(
      "files.yaml",
      join(base, "data"),
      [
        "mqtt:",
        "  url: mqtts://127.0.0.1:8883",
        `  commandKeyFile: ${shortKey}`,
        `  passwordFile: ${join(base, "missing.pw")}`,
        `  tls: { caFile: ${join(base, "missing-ca.pem")}, certFile: ${keyDir} }`,
      ].join("\n"),
    );
    const result = await runCli(gatewayCli, ["check-config", "-c", file]);
    expect(result.code, result.stdout).toBe(1);
    expect(result.stderr).toMatch(
      /files\.yaml:7:\d+ mqtt\.commandKeyFile: .*command key is 9 characters; at least 32 are required/,
    );
    expect(result.stderr).not.toContain("too-short");
    expect(result.stderr).toMatch(/files\.yaml:8:\d+ mqtt\.passwordFile: .*missing\.pw.*does not exist/);
    expect(result.stderr).toMatch(/files\.yaml:9:\d+ mqtt\.tls\.caFile: .*missing-ca\.pem.*does not exist/);
    expect(result.stderr).toMatch(/files\.yaml:9:\d+ mqtt\.tls\.certFile: .*key-dir.* is a directory/);
    expect(result.stderr).toMatch(/4 error\(s\)$/m);

    const run = await runCli(gatewayCli, ["run", "-c", file], { timeoutMs: 20_000 });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/files\.yaml:7:\d+ mqtt\.commandKeyFile: /);
  });

  it("names a missing command key file in run and check-config alike", async () => {
    const base = await workDir();
    const file = await configWith(
      "nokey.yaml",
      join(base, "data"),
      `mqtt: { url: "mqtt://127.0.0.1:1", commandKeyFile: ${join(base, "nope.key")} }`,
    );
    for (const command of ["check-config", "run"]) {
      const result = await runCli(gatewayCli, [command, "-c", file], { timeoutMs: 20_000 });
      expect(result.code, `${command}: ${result.stderr}`).toBe(1);
      expect(result.stderr).toMatch(/nokey\.yaml:5:\d+ mqtt\.commandKeyFile: .*nope\.key.*does not exist/);
    }
  });

  it("refuses a data directory under /proc at once, in check-config and in run (no 100 % CPU spin)", async () => {
    const file = await configWith("proc.yaml", "/proc/nope", "");
    const check = await runCli(gatewayCli, ["check-config", "-c", file], { timeoutMs: 20_000 });
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/proc\.yaml:1:\d+ gateway\.dataDir: .*\/proc\/nope.*\/proc/);
    // Before the fix `run` spins in mkdirSync and the timeout rejects.
    const run = await runCli(gatewayCli, ["run", "-c", file], { timeoutMs: 15_000 });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/gateway\.dataDir: /);
  });

  it("refuses a data directory below a plain file", async () => {
    const base = await workDir();
    const plain = join(base, "plain-file");
    writeFileSync(plain, "x");
    const belowFile = await configWith("below-file.yaml", join(plain, "data"), "");
    const result = await runCli(gatewayCli, ["check-config", "-c", belowFile]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/below-file\.yaml:1:\d+ gateway\.dataDir: .*plain-file is not a directory/);
  });

  it("refuses a data directory that cannot be written", async () => {
    const base = await workDir();
    const locked = join(base, "locked");
    mkdirSync(locked, { recursive: true });
    // root writes through permissions, so as root the directory is a read-only mount instead.
    const root = process.getuid?.() === 0;
    if (root) {
      const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", locked], {
        encoding: "utf8",
      });
      expect(mounted.status, mounted.stderr).toBe(0);
    } else chmodSync(locked, 0o555);
    try {
      const file = await configWith("locked.yaml", join(locked, "data"), "");
      const result = await runCli(gatewayCli, ["check-config", "-c", file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        root
          ? /locked\.yaml:1:\d+ gateway\.dataDir: .*locked is on a read-only file system/
          : /locked\.yaml:1:\d+ gateway\.dataDir: .*locked cannot be written by user /,
      );
    } finally {
      if (root) spawnSync("umount", [locked]);
      else chmodSync(locked, 0o755);
    }
  });
});
