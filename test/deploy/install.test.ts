/**
 * deploy/install.sh runs against a temporary root prefix: the files a technician gets, the checkout it
 * runs from left exactly as it was, the installed CLI and service working from the bundles `npm run
 * build` makes (and explaining access to a non-root user), and idempotence (an edited config survives
 * a reinstall). Needs `npm run build` first.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, waitFor } from "../helpers/index.ts";
import { checkout, installPrefix, type InstallPrefix } from "../helpers/install-prefix.ts";
import { okPolls, startService } from "../helpers/service.ts";
import { startMeterSim } from "../helpers/simulator.ts";

const packageJson = JSON.parse(readFileSync(join(checkout, "package.json"), "utf8")) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The checkout's package files and installed dependency tree, as one hash. */
function checkoutFingerprint(): string {
  const hash = createHash("sha256");
  for (const file of ["package.json", "package-lock.json", "node_modules/.package-lock.json"])
    hash.update(readFileSync(join(checkout, file)));
  hash.update(readdirSync(join(checkout, "node_modules")).sort().join("\n"));
  return hash.digest("hex");
}

/** Development dependencies nothing at run time needs (@types/node, say, is also a runtime package's). */
const devOnly = Object.keys(packageJson.devDependencies).filter(
  (name) =>
    (
      JSON.parse(readFileSync(join(checkout, "package-lock.json"), "utf8")) as {
        packages: Record<string, { dev?: boolean }>;
      }
    ).packages[`node_modules/${name}`]?.dev === true,
);
const installedDevDependencies = (modules: string) =>
  devOnly.filter((name) => existsSync(join(modules, name, "package.json")));

let prefix: InstallPrefix;
let before: { fingerprint: string; devDependencies: string[] };

beforeAll(async () => {
  prefix = await installPrefix();
  before = {
    fingerprint: checkoutFingerprint(),
    devDependencies: installedDevDependencies(join(checkout, "node_modules")),
  };
});
afterAll(async () => prefix?.remove());

// Each install copies node_modules (~180 MB) and prunes the copy: 8 s on a quiet 2-core machine, over a
// minute on a busy one, so the default 30 s is far too tight.
describe("deploy/install.sh into a temporary root", { timeout: 300_000 }, () => {
  it("needs a built tree (npm run build writes dist/, which npm ci does via prepare)", () => {
    expect(existsSync(join(checkout, "dist", "meter-gateway.js")), "dist/ is built").toBe(true);
  });

  it("installs the app, the config from the annotated example, the data dir and the systemd unit", () => {
    const result = prefix.run("install.sh", ["--skip-build"]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`installing meter-gateway ${packageJson.version} in ${prefix.root}`);
    // The bundles (deploy/build.ts) and the files the code reads beside its modules.
    for (const file of [
      "meter-gateway.js",
      "meter-sim.js",
      "protocols/profiles/builtin/sdm120.yaml",
      "protocols/profiles/builtin/terminals",
      "gateway/web/assets/index.html",
    ])
      expect(existsSync(prefix.at(`/opt/meter-gateway/dist/${file}`)), file).toBe(true);
    expect(readFileSync(prefix.at("/etc/meter-gateway/config.yaml"), "utf8")).toMatch(
      /^ {2}dataDir: \/var\/lib\/meter-gateway$/m,
    );
    expect(existsSync(prefix.at("/var/lib/meter-gateway"))).toBe(true);
    const unit = readFileSync(prefix.at("/etc/systemd/system/meter-gateway.service"), "utf8");
    expect(unit).toMatch(
      /^ExecStart=\S*node --heap-growing-percent=30 \/opt\/meter-gateway\/bin\/meter-gateway\.js run -c \/etc\/meter-gateway\/config\.yaml$/m,
    );
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^User=meter-gateway$/m);
    expect(unit).toMatch(/^ProtectSystem=strict$/m);
    expect(unit).not.toContain("@APP_DIR@");
    expect(existsSync(prefix.at("/etc/meter-gateway/99-meter-gateway-rs485.rules.example"))).toBe(true);
    // A fresh install enables the unit but starts nothing: the config needs editing first.
    expect(prefix.systemctlCalls()).toEqual([
      "is-active --quiet meter-gateway.service",
      "daemon-reload",
      "enable meter-gateway.service",
    ]);
    expect(readdirSync(dirname(prefix.at("/opt/meter-gateway"))), "no staging left").toEqual([
      "meter-gateway",
    ]);
  });

  it("prunes development dependencies from the installed copy, never from the checkout", () => {
    const installed = prefix.at("/opt/meter-gateway/node_modules");
    expect(installedDevDependencies(installed)).toEqual([]);
    for (const name of Object.keys(packageJson.dependencies))
      expect(existsSync(join(installed, name, "package.json")), name).toBe(true);
    expect(before.devDependencies).toEqual(devOnly);
    expect(devOnly).toContain("vitest");
    expect(installedDevDependencies(join(checkout, "node_modules"))).toEqual(before.devDependencies);
    expect(checkoutFingerprint()).toBe(before.fingerprint);
    // `npm start` is `node --import tsx gateway/cli/main.ts demo`: its entry still resolves and runs.
    const start = spawnSync(process.execPath, ["--import", "tsx", "gateway/cli/main.ts", "--version"], {
      cwd: checkout,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(start.stderr).toBe("");
    expect(start.stdout.trim()).toBe(packageJson.version);
  });

  it("installs a CLI that prints the package's version", () => {
    const result = spawnSync(
      process.execPath,
      [prefix.at("/opt/meter-gateway/bin/meter-gateway.js"), "--version"],
      {
        encoding: "utf8",
        timeout: 30_000,
      },
    );
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe(packageJson.version);
  });

  it("installs a CLI that checks the installed config and names the files the technician must provide", () => {
    const result = spawnSync(
      process.execPath,
      [
        prefix.at("/opt/meter-gateway/bin/meter-gateway.js"),
        "check-config",
        "-c",
        prefix.at("/etc/meter-gateway/config.yaml"),
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
      "mqtt.commandKeys[0].file",
      "mqtt.uplinkKey.file",
      "mqtt.passwordFile",
      "mqtt.tls.caFile",
      "mqtt.tls.certFile",
      "mqtt.tls.keyFile",
    ]);
    expect(result.status).toBe(1);
  });

  it("tells a user outside the meter-gateway group how to get access instead of a raw EACCES", () => {
    // The modes a real install gives (root:meter-gateway 0750 / 0640); --no-user leaves the owner root.
    // The prefix and the run's temp dir above it are opened to others so only these modes decide.
    chmodSync(prefix.at("/etc/meter-gateway/config.yaml"), 0o640);
    for (const dir of [prefix.root, dirname(prefix.root), dirname(dirname(prefix.root))])
      chmodSync(dir, 0o755);
    const result = spawnSync(
      "setpriv",
      [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        process.execPath,
        prefix.at("/opt/meter-gateway/bin/meter-gateway.js"),
        "status",
        "-c",
        prefix.at("/etc/meter-gateway/config.yaml"),
      ],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr).toContain(
      `cannot read config file ${prefix.at("/etc/meter-gateway/config.yaml")}: permission denied for ` +
        "user nobody. To get access, join the group meter-gateway (sudo usermod -aG meter-gateway $USER, " +
        "then log in again) or run the command with sudo",
    );
    expect(result.stderr).not.toMatch(/EACCES/);
  });

  it("runs the service from the installed bundle: polls a meter, serves the page, knows its version", async () => {
    const sim = await startMeterSim(
      ["--modbus-tcp", `127.0.0.1:${await freePort()}`],
      prefix.at("/opt/meter-gateway/bin/meter-sim.js"),
    );
    const simPort = /Modbus TCP on 127\.0\.0\.1:(\d+)/.exec(sim.output())?.[1];
    const service = await startService({
      entry: prefix.at("/opt/meter-gateway/bin/meter-gateway.js"),
      config: ({ dataDir, httpPort }) =>
        [
          `gateway: { id: gw-installed, dataDir: ${dataDir}, httpPort: ${httpPort}, logLevel: warn }`,
          `buses: [{ id: tcp0, transport: tcp, host: 127.0.0.1, port: ${simPort}, timeoutMs: 1000 }]`,
          "meters: [{ id: m1, bus: tcp0, unit: 1, profile: sdm120, pollIntervalMs: 200 }]",
        ].join("\n"),
    });
    try {
      await waitFor(async () => okPolls(await service.metrics()) > 0, {
        timeoutMs: 20_000,
        description: "a reading of the simulated meter",
      });
      const base = `http://127.0.0.1:${service.httpPort}`;
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("<html");
      expect((await fetch(`${base}/assets/uplot.js`)).status).toBe(200);
      const overview = (await (await fetch(`${base}/api/ui/overview`)).json()) as { version?: string };
      expect(overview.version).toBe(packageJson.version);
    } finally {
      await service.stop();
      await service.dir.remove();
      await sim.stop();
    }
  });

  it("is idempotent and keeps an edited config", () => {
    appendFileSync(prefix.at("/etc/meter-gateway/config.yaml"), "# edited by the technician\n");
    writeFileSync(prefix.at("/var/lib/meter-gateway/gateway.db"), "data");
    const result = prefix.run("install.sh", ["--skip-build"]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`reinstalling meter-gateway ${packageJson.version}`);
    expect(result.stdout).toMatch(/keeping the existing \/etc\/meter-gateway\/config\.yaml/);
    expect(readFileSync(prefix.at("/etc/meter-gateway/config.yaml"), "utf8")).toMatch(
      /# edited by the technician/,
    );
    expect(readFileSync(prefix.at("/var/lib/meter-gateway/gateway.db"), "utf8")).toBe("data");
    expect(checkoutFingerprint()).toBe(before.fingerprint);
  });

  it("prints its options with --help", () => {
    const result = prefix.run("install.sh", ["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Installs or upgrades meter-gateway/);
    for (const option of ["--root DIR", "--skip-build", "--systemctl CMD", "--no-user"])
      expect(result.stdout).toContain(option);
  });
});
