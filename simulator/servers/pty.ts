/**
 * A linked pseudo-terminal pair made by socat, for `meter-sim --pty`: the simulator serves one end and
 * the gateway opens the other as if it were a USB-RS485 adapter. socat dies with the simulator.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { ErrorCode } from "../../core/errors.ts";
import { SimError } from "../core/sim-error.ts";

export interface PtyPair {
  /** The end the simulator serves. */
  readonly simulatorPath: string;
  /** The end to give the gateway (a symlink to /dev/pts/N). */
  readonly gatewayPath: string;
  /** socat's process id. */
  readonly pid: number;
  close(): Promise<void>;
}

/** How long socat may take to create both ends, ms. */
const startTimeoutMs = 5000;

function findProgram(name: string): string | undefined {
  const dirs = [...(process.env["PATH"] ?? "").split(delimiter), "/usr/bin", "/usr/local/bin", "/bin"];
  for (const dir of dirs.filter((d) => d !== "")) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Spawns `socat pty,raw,echo=0,link=A pty,raw,echo=0,link=B` and resolves when both links exist and
 * socat is transferring. Raw, without echo, so bytes pass unchanged.
 * @param gatewayLink where to put the gateway's end; default a fresh temp dir
 */
export async function createPty(gatewayLink?: string): Promise<PtyPair> {
  const socat = findProgram("socat");
  if (socat === undefined) {
    throw new SimError(ErrorCode.EndpointUnavailable, "--pty needs socat: sudo apt-get install -y socat");
  }
  const ownDir = gatewayLink === undefined ? mkdtempSync(join(tmpdir(), "meter-sim-")) : undefined;
  const gatewayPath = gatewayLink === undefined ? join(ownDir!, "gateway") : resolve(gatewayLink);
  if (ownDir === undefined && existsSync(gatewayPath)) {
    throw new SimError(
      ErrorCode.EndpointUnavailable,
      `${gatewayPath} already exists (another meter-sim --pty?)`,
    );
  }
  const simulatorPath = ownDir === undefined ? `${gatewayPath}.sim` : join(ownDir, "simulator");
  const args = ["-d", "-d", `pty,raw,echo=0,link=${simulatorPath}`, `pty,raw,echo=0,link=${gatewayPath}`];
  // setpriv (util-linux) asks the kernel to kill socat when we die, even by SIGKILL.
  const setpriv = findProgram("setpriv");
  const child: ChildProcess =
    setpriv === undefined
      ? spawn(socat, args, { stdio: ["ignore", "ignore", "pipe"] })
      : spawn(setpriv, ["--pdeathsig", "KILL", "--", socat, ...args], {
          stdio: ["ignore", "ignore", "pipe"],
        });
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => (log = (log + chunk.toString()).slice(-8000)));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const cleanup = () => {
    if (ownDir !== undefined) rmSync(ownDir, { recursive: true, force: true });
  };
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
    cleanup();
  };
  try {
    await waitUntil(() => {
      if (child.exitCode !== null) throw new Error(`socat exited: ${log.trim().split("\n").pop() ?? ""}`);
      return (
        existsSync(simulatorPath) && existsSync(gatewayPath) && log.includes("starting data transfer loop")
      );
    });
  } catch (error) {
    await close();
    throw new SimError(
      ErrorCode.EndpointUnavailable,
      `cannot create a pty pair in ${dirname(gatewayPath)}: ${String(error)}`,
      { cause: error },
    );
  }
  return { simulatorPath, gatewayPath, pid: child.pid!, close };
}

async function waitUntil(ready: () => boolean): Promise<void> {
  const deadline = performance.now() + startTimeoutMs;
  while (!ready()) {
    if (performance.now() > deadline)
      throw new Error(`socat did not create the ptys within ${startTimeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
