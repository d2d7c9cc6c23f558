/**
 * docs/provisioning.md as an operator follows it: the key commands run as written (openssl, umask;
 * only `chgrp` is stubbed, there is no meter-gateway group here, and /etc/meter-gateway points at a
 * temp dir), and the config it shows, first with one key and then during a rotation, passes
 * `check-config` with the files they made. The guide is linked from the README and docs/mqtt.md.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { tempDir, type TempDir } from "../helpers/index.ts";
import { gatewayCli, runCli } from "../helpers/run-cli.ts";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const guide = read("docs/provisioning.md");

/** The fenced blocks of `lang` in the guide, in order, without the indentation of their fence. */
function blocks(lang: string): string[] {
  return [...guide.matchAll(new RegExp("^( *)```" + lang + "\\n([\\s\\S]*?)^\\1```", "gm"))].map((m) =>
    m[2]!.replace(new RegExp(`^${m[1]!}`, "gm"), ""),
  );
}

/** The shell block whose first line is `# provision: <name> ...`. */
function shellBlock(name: string): string {
  const block = blocks("sh").find((b) => b.startsWith(`# provision: ${name}`));
  expect(block, `a sh block '# provision: ${name}'`).toBeDefined();
  return block!;
}

let dir: TempDir | undefined;
afterAll(async () => dir?.remove());

/** Runs a guide block with ETC in a temp dir and chgrp stubbed. */
function runBlock(block: string, etc: string): void {
  expect(block).toMatch(/^ETC=\/etc\/meter-gateway$/m);
  const script = `set -eu\nchgrp() { :; }\n${block.replace(/^ETC=.*$/m, `ETC=${etc}`)}`;
  const result = spawnSync("bash", ["-c", script], { encoding: "utf8" });
  expect(result.status, result.stderr).toBe(0);
}

/** A config around the guide's `mqtt` section, its /etc/meter-gateway paths moved to `etc`. */
function configWith(mqtt: Record<string, unknown>, etc: string, dataDir: string): string {
  const text = stringifyYaml({
    gateway: { id: "site-01", dataDir },
    buses: [{ id: "b1", transport: "tcp", host: "127.0.0.1", port: 1 }],
    meters: [{ id: "m1", bus: "b1", unit: 1, profile: "sdm120" }],
    mqtt,
  });
  return text.replaceAll("/etc/meter-gateway", etc);
}

describe("docs/provisioning.md", () => {
  it("makes keys that check-config accepts, for a fresh gateway and during a command key rotation", async () => {
    dir ??= await tempDir("provisioning-");
    const etc = dir.path;
    runBlock(shellBlock("keys"), etc);
    for (const name of ["command-2026-12.key", "uplink-2026-12.key"]) {
      expect(readFileSync(join(etc, name), "utf8")).toMatch(/^[0-9a-f]{64}\n$/);
      expect(statSync(join(etc, name)).mode & 0o777, `${name} not world-readable`).toBe(0o640);
    }
    writeFileSync(join(etc, "mqtt.password"), "broker-password\n");
    const [fresh, rotation] = blocks("yaml").map((b) => parseYaml(b) as { mqtt: Record<string, unknown> });
    expect(fresh?.mqtt["uplinkKey"]).toBeDefined();
    const freshFile = join(etc, "fresh.yaml");
    writeFileSync(freshFile, configWith(fresh!.mqtt, etc, join(etc, "data")));
    const check = await runCli(gatewayCli, ["check-config", "-c", freshFile]);
    expect(check.code, check.stderr).toBe(0);

    runBlock(shellBlock("new command key"), etc);
    const rotating = { ...fresh!.mqtt, ...rotation!.mqtt };
    expect(rotating["commandKeys"]).toHaveLength(2);
    const rotatingFile = join(etc, "rotating.yaml");
    writeFileSync(rotatingFile, configWith(rotating, etc, join(etc, "data")));
    const during = await runCli(gatewayCli, ["check-config", "-c", rotatingFile]);
    expect(during.code, during.stderr).toBe(0);
  });

  it("is linked from the README and docs/mqtt.md, and points at the ACL template there", () => {
    expect(read("README.md")).toContain("(docs/provisioning.md)");
    expect(read("docs/mqtt.md")).toContain("(provisioning.md)");
    expect(guide).toContain("(mqtt.md#2-topics)");
    expect(read("docs/mqtt.md")).toMatch(/^## 2\. Topics$/m);
    expect(read("docs/mqtt.md")).toContain("pattern read mg/%u/request/+");
  });
});
