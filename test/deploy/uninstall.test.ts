/**
 * deploy/uninstall.sh in a temporary root prefix: it keeps data and config unless --purge, and --purge
 * asks on a terminal (a real pty, util-linux `script`), needs --yes without one, and otherwise refuses
 * with the exact command to run. Nothing is removed by a refused purge.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installPrefix, type InstallPrefix } from "../helpers/install-prefix.ts";

let prefix: InstallPrefix;

function expectDataKept(): void {
  expect(existsSync(prefix.at("/var/lib/meter-gateway/gateway.db"))).toBe(true);
  expect(existsSync(prefix.at("/var/lib/meter-gateway/backups/gateway-1.db"))).toBe(true);
  expect(existsSync(prefix.at("/etc/meter-gateway/config.yaml"))).toBe(true);
}

beforeAll(async () => {
  prefix = await installPrefix();
  const installed = prefix.run("install.sh", ["--skip-build"]);
  expect(installed.status, installed.stderr).toBe(0);
  writeFileSync(prefix.at("/var/lib/meter-gateway/gateway.db"), "ledger");
  mkdirSync(prefix.at("/var/lib/meter-gateway/backups"));
  writeFileSync(prefix.at("/var/lib/meter-gateway/backups/gateway-1.db"), "backup");
}, 300_000);
afterAll(async () => prefix?.remove());

describe("deploy/uninstall.sh in a temporary root", { timeout: 300_000 }, () => {
  it("prints its options with --help and removes nothing", () => {
    const result = prefix.run("uninstall.sh", ["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Removes meter-gateway/);
    for (const option of ["--purge", "--yes", "--root DIR"]) expect(result.stdout).toContain(option);
    expect(existsSync(prefix.at("/opt/meter-gateway"))).toBe(true);
  });

  it("refuses --purge without a terminal or --yes, names the exact command, and removes nothing", () => {
    const result = prefix.run("uninstall.sh", ["--purge"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `deletes the ledger, readings and audit trail in ${prefix.at("/var/lib/meter-gateway")} ` +
        `(with its 1 backup file(s) in ${prefix.at("/var/lib/meter-gateway/backups")})`,
    );
    const rerun = result.stderr.trim().split("\n").pop()!.trim();
    expect(rerun).toMatch(/\/deploy\/uninstall\.sh .* --purge --yes$/);
    expect(existsSync(prefix.at("/opt/meter-gateway"))).toBe(true);
    expectDataKept();
  });

  it("asks on a terminal and keeps everything unless the answer is yes", () => {
    const result = prefix.runOnTerminal("uninstall.sh", ["--purge"], "no\n");
    expect(result.status, result.stdout).toBe(1);
    expect(result.stdout).toContain("Type yes to delete them:");
    expect(result.stdout).toContain("nothing removed (the answer was not yes)");
    expect(existsSync(prefix.at("/opt/meter-gateway"))).toBe(true);
    expectDataKept();
  });

  it("uninstalls but keeps data and config without --purge", () => {
    const result = prefix.run("uninstall.sh", []);
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(prefix.at("/opt/meter-gateway"))).toBe(false);
    expect(existsSync(prefix.at("/etc/systemd/system/meter-gateway.service"))).toBe(false);
    expect(prefix.systemctlCalls().slice(-2)).toEqual([
      "disable --now meter-gateway.service",
      "daemon-reload",
    ]);
    expectDataKept();
  });

  it("purges data, backups and config after yes on the terminal", () => {
    const result = prefix.runOnTerminal("uninstall.sh", ["--purge"], "yes\n");
    expect(result.status, result.stdout).toBe(0);
    expect(result.stdout).toContain("removed; data, backups and config purged");
    expect(existsSync(prefix.at("/var/lib/meter-gateway"))).toBe(false);
    expect(existsSync(prefix.at("/etc/meter-gateway"))).toBe(false);
  });

  it("purges without asking with --yes", () => {
    mkdirSync(prefix.at("/var/lib/meter-gateway"), { recursive: true });
    writeFileSync(prefix.at("/var/lib/meter-gateway/gateway.db"), "ledger");
    const result = prefix.run("uninstall.sh", ["--purge", "--yes"]);
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(prefix.at("/var/lib/meter-gateway"))).toBe(false);
  });
});
