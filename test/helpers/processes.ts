/**
 * Child processes owned by a test process (broker, socat). Every child dies with the test process:
 * - vitest ends its workers with a signal, so no exit handler runs there: children are started through
 *   `setpriv --pdeathsig KILL` (util-linux, always on Debian) and the kernel kills them with their parent;
 * - outside vitest, a normal exit also runs the `exit` handler below, which SIGKILLs every live child.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { findExecutable } from "./tools.ts";

/** At most this much of a child's stdout+stderr is kept for error messages (characters). */
const MAX_OUTPUT_CHARS = 64_000;

/** A running (or exited) child process with its output captured. */
export interface OwnedProcess {
  readonly child: ChildProcess;
  /** Process id of the program itself (setpriv execs into it, so it is the same pid). */
  readonly pid: number;
  /** Combined stdout and stderr so far, truncated to the last 64 000 characters. */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** True once the process has exited. */
  hasExited(): boolean;
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of liveChildren) child.kill("SIGKILL");
  });
}

/**
 * Spawns `command args` as a child owned by this test process and captures its output.
 * Rejects if the program cannot be started at all (ENOENT, EACCES).
 * @param options.env variables added to this process's environment for the child
 */
export async function spawnOwned(
  command: string,
  args: readonly string[],
  options: { readonly env?: Readonly<Record<string, string>> } = {},
): Promise<OwnedProcess> {
  installExitHook();
  const setpriv = findExecutable("setpriv");
  const spawnOptions = {
    stdio: ["ignore", "pipe", "pipe"] as ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  };
  const child =
    setpriv === undefined
      ? spawn(command, args, spawnOptions)
      : spawn(setpriv, ["--pdeathsig", "KILL", "--", command, ...args], spawnOptions);

  let output = "";
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString("utf8")).slice(-MAX_OUTPUT_CHARS);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);

  let exited = false;
  const exitedPromise = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = true;
      liveChildren.delete(child);
      resolve(code ?? signal ?? "unknown");
    });
  });

  await new Promise<void>((resolve, reject) => {
    child.once("spawn", () => resolve());
    child.once("error", (error) => reject(new Error(`Cannot start ${command}: ${error.message}`)));
  });
  liveChildren.add(child);

  return {
    child,
    pid: child.pid!,
    output: () => output,
    exited: exitedPromise,
    hasExited: () => exited,
  };
}

/**
 * Stops a child: SIGTERM, then SIGKILL if it has not exited within `graceMs`; resolves once it has exited.
 * @param graceMs 0..30000, default 3000.
 */
export async function stopOwned(owned: OwnedProcess, graceMs = 3000): Promise<void> {
  if (owned.hasExited()) return;
  owned.child.kill("SIGTERM");
  const timer = setTimeout(() => owned.child.kill("SIGKILL"), graceMs);
  try {
    await owned.exited;
  } finally {
    clearTimeout(timer);
  }
}
