/**
 * An upgrade with deploy/install.sh in a temporary root prefix: it prints the old and new version and
 * restarts the service only when it was running. systemd cannot run here, so systemctl is a fake that
 * records its calls (test/helpers/install-prefix.ts); which calls are made, and when, is what is tested.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkout, installPrefix, type InstallPrefix } from "../helpers/install-prefix.ts";

const { version } = JSON.parse(readFileSync(join(checkout, "package.json"), "utf8")) as { version: string };
let prefix: InstallPrefix;

/** Makes the installed copy claim an older version, as if installed from an older checkout. */
function pretendInstalled(older: string): void {
  const file = prefix.at("/opt/meter-gateway/package.json");
  const installed = JSON.parse(readFileSync(file, "utf8")) as { version: string };
  writeFileSync(file, JSON.stringify({ ...installed, version: older }, null, 2));
}

beforeAll(async () => {
  prefix = await installPrefix();
  const first = prefix.run("install.sh", ["--skip-build"]);
  expect(first.status, first.stderr).toBe(0);
}, 300_000);
afterAll(async () => prefix?.remove());

describe("deploy/install.sh over an installed version", { timeout: 300_000 }, () => {
  it("prints the old and new version and restarts the running service after the files are in place", () => {
    pretendInstalled("0.0.9");
    prefix.setServiceActive(true);
    const callsBefore = prefix.systemctlCalls().length;
    const result = prefix.run("install.sh", ["--skip-build"]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`upgrading meter-gateway 0.0.9 -> ${version} in ${prefix.root}`);
    expect(result.stdout).toContain(`restarted meter-gateway (it was running): now version ${version}`);
    expect(prefix.systemctlCalls().slice(callsBefore)).toEqual([
      "is-active --quiet meter-gateway.service",
      "daemon-reload",
      "enable meter-gateway.service",
      "restart meter-gateway.service",
    ]);
    const installed = JSON.parse(readFileSync(prefix.at("/opt/meter-gateway/package.json"), "utf8")) as {
      version: string;
    };
    expect(installed.version).toBe(version);
  });

  it("leaves a stopped service stopped", () => {
    pretendInstalled("0.0.8");
    prefix.setServiceActive(false);
    const callsBefore = prefix.systemctlCalls().length;
    const result = prefix.run("install.sh", ["--skip-build"]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`upgrading meter-gateway 0.0.8 -> ${version}`);
    expect(result.stdout).toContain("start it with: sudo systemctl start meter-gateway");
    expect(prefix.systemctlCalls().slice(callsBefore)).toEqual([
      "is-active --quiet meter-gateway.service",
      "daemon-reload",
      "enable meter-gateway.service",
    ]);
  });
});
