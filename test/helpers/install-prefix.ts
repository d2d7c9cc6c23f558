/**
 * A temporary root prefix for deploy/install.sh and uninstall.sh, with a fake systemctl. systemd cannot
 * run here, so the scripts get `--systemctl <fake>`: a bash script that records every call, one line
 * each, and answers `is-active` from a state the test sets. Everything else the scripts do (files,
 * versions, prompts) is real. Needs `npm run build` first (the scripts install dist/).
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "./temp-dir.ts";

/** The checkout the scripts run from. */
export const checkout = fileURLToPath(new URL("../../", import.meta.url));

/** Generous: an install copies node_modules (~180 MB) and prunes it: 8 s on a quiet 2-core machine,
 * over a minute when it is busy. */
const SCRIPT_TIMEOUT_MS = 240_000;

export interface InstallPrefix {
  /** The prefix, e.g. /tmp/.../install-root-XXXX (the scripts' `--root`). */
  readonly root: string;
  /** A path inside the prefix: `at("/etc/meter-gateway")`. */
  at(path: string): string;
  /** Runs deploy/<script> with `--root`, `--no-user`, the fake systemctl and `args`, stdin not a terminal. */
  run(script: "install.sh" | "uninstall.sh", args: readonly string[]): SpawnSyncReturns<string>;
  /** The same on a pseudo-terminal (util-linux `script`), typing `input`; stdout and stderr are merged. */
  runOnTerminal(script: "uninstall.sh", args: readonly string[], input: string): SpawnSyncReturns<string>;
  /** The fake systemctl's calls so far, e.g. `["is-active --quiet meter-gateway.service", ...]`. */
  systemctlCalls(): string[];
  /** What the fake `systemctl is-active` answers from now on. */
  setServiceActive(active: boolean): void;
  remove(): Promise<void>;
}

const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

export async function installPrefix(): Promise<InstallPrefix> {
  const dir = await tempDir("install-");
  const root = join(dir.path, "root");
  const calls = join(dir.path, "systemctl-calls");
  const active = join(dir.path, "service-active");
  const systemctl = join(dir.path, "systemctl");
  writeFileSync(
    systemctl,
    [
      "#!/usr/bin/env bash",
      `echo "$*" >> ${quote(calls)}`,
      `if [[ $1 == is-active ]]; then [[ -e ${quote(active)} ]]; fi`,
      "",
    ].join("\n"),
  );
  chmodSync(systemctl, 0o755);
  const argv = (script: string, args: readonly string[]) => [
    join(checkout, "deploy", script),
    "--root",
    root,
    "--no-user",
    "--systemctl",
    systemctl,
    ...args,
  ];
  return {
    root,
    at: (path) => join(root, path),
    run: (script, args) =>
      spawnSync("bash", argv(script, args), {
        encoding: "utf8",
        timeout: SCRIPT_TIMEOUT_MS,
        stdio: ["ignore", "pipe", "pipe"],
      }),
    runOnTerminal: (script, args, input) =>
      spawnSync("script", ["-qec", ["bash", ...argv(script, args)].map(quote).join(" "), "/dev/null"], {
        encoding: "utf8",
        timeout: SCRIPT_TIMEOUT_MS,
        input,
      }),
    systemctlCalls: () => (existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : []),
    setServiceActive: (on) => (on ? writeFileSync(active, "") : rmSync(active, { force: true })),
    remove: () => dir.remove(),
  };
}
