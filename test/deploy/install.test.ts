/**
 * deploy/install.sh and uninstall.sh run against a temporary root prefix: the files a technician gets,
 * idempotence (an edited config survives a reinstall), the installed CLI working, and uninstall keeping
 * the data unless asked.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync, appendFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir, type TempDir } from "../helpers/index.ts";

const repo = fileURLToPath(new URL("../../", import.meta.url));
let root: TempDir;
const run = (script: string, args: string[]) =>
  spawnSync(
    "bash",
    [join(repo, "deploy", script), "--root", root.path, "--no-systemctl", "--no-user", ...args],
    { encoding: "utf8", timeout: 120_000 },
  );
const at = (path: string) => join(root.path, path);

beforeAll(async () => {
  root = await tempDir("install-root-");
});
afterAll(async () => root?.remove());

// Each install copies the app with its node_modules (about 13 s for the idempotence test alone on a
// quiet 2-core machine): the default 30 s is too tight when the other worker is busy.
describe("deploy/install.sh into a temporary root", { timeout: 120_000 }, () => {
  it("needs a built tree (npm run build writes dist/, which npm ci does via prepare)", () => {
    expect(existsSync(join(repo, "dist", "gateway", "cli", "main.js")), "dist/ is built").toBe(true);
  });

  it("installs the app, the config from the annotated example, the data dir and the systemd unit", () => {
    const result = run("install.sh", ["--skip-build"]);
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(at("/opt/meter-gateway/dist/gateway/cli/main.js"))).toBe(true);
    expect(existsSync(at("/opt/meter-gateway/dist/protocols/profiles/builtin/sdm120.yaml"))).toBe(true);
    expect(readFileSync(at("/etc/meter-gateway/config.yaml"), "utf8")).toMatch(
      /^ {2}dataDir: \/var\/lib\/meter-gateway$/m,
    );
    expect(existsSync(at("/var/lib/meter-gateway"))).toBe(true);
    const unit = readFileSync(at("/etc/systemd/system/meter-gateway.service"), "utf8");
    expect(unit).toMatch(
      /^ExecStart=\S*node \/opt\/meter-gateway\/bin\/meter-gateway\.js run -c \/etc\/meter-gateway\/config\.yaml$/m,
    );
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^User=meter-gateway$/m);
    expect(unit).toMatch(/^ProtectSystem=strict$/m);
    expect(unit).not.toContain("@APP_DIR@");
    expect(existsSync(at("/etc/meter-gateway/99-meter-gateway-rs485.rules.example"))).toBe(true);
  });

  it("installs a CLI that checks the installed config and names the files the technician must provide", () => {
    const result = spawnSync(
      process.execPath,
      [
        at("/opt/meter-gateway/bin/meter-gateway.js"),
        "check-config",
        "-c",
        at("/etc/meter-gateway/config.yaml"),
      ],
      { encoding: "utf8" },
    );
    // The example config is valid except for the platform's files, which only the technician can
    // place (check-config reads them on the host since issue 10): each is named by its field, and
    // nothing else is refused.
    const refused = result.stderr
      .trim()
      .split("\n")
      .filter((line) => !/: \d+ error\(s\)$/.test(line))
      .map((line) => /:\d+:\d+ (\S+): cannot read .* it does not exist$/.exec(line)?.[1] ?? line);
    expect(refused).toEqual([
      "mqtt.commandKeyFile",
      "mqtt.passwordFile",
      "mqtt.tls.caFile",
      "mqtt.tls.certFile",
      "mqtt.tls.keyFile",
    ]);
    expect(result.status).toBe(1);
  });

  it("is idempotent and keeps an edited config", () => {
    appendFileSync(at("/etc/meter-gateway/config.yaml"), "# edited by the technician\n");
    writeFileSync(at("/var/lib/meter-gateway/gateway.db"), "data");
    const result = run("install.sh", ["--skip-build"]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/keeping the existing \/etc\/meter-gateway\/config\.yaml/);
    expect(readFileSync(at("/etc/meter-gateway/config.yaml"), "utf8")).toMatch(/# edited by the technician/);
    expect(readFileSync(at("/var/lib/meter-gateway/gateway.db"), "utf8")).toBe("data");
  });

  it("uninstalls but keeps data and config unless --purge", () => {
    let result = run("uninstall.sh", []);
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(at("/opt/meter-gateway"))).toBe(false);
    expect(existsSync(at("/etc/systemd/system/meter-gateway.service"))).toBe(false);
    expect(existsSync(at("/var/lib/meter-gateway/gateway.db"))).toBe(true);
    expect(existsSync(at("/etc/meter-gateway/config.yaml"))).toBe(true);
    result = run("uninstall.sh", ["--purge"]);
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(at("/var/lib/meter-gateway"))).toBe(false);
    expect(existsSync(at("/etc/meter-gateway"))).toBe(false);
  });
});
