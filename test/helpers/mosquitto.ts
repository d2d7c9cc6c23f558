/**
 * A real mosquitto broker per test (or per file), on its own free loopback port, with its own config in
 * a temp dir. It never uses a system mosquitto service or port 1883.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LOOPBACK, freePort, waitForPort } from "./ports.ts";
import { spawnOwned, stopOwned } from "./processes.ts";
import type { OwnedProcess } from "./processes.ts";
import { tempDir } from "./temp-dir.ts";
import { waitFor } from "./wait-for.ts";
import { generateTestPki } from "./tls-certs.ts";
import type { TestPki } from "./tls-certs.ts";
import { requireTool } from "./tools.ts";

/** Options of {@link startMosquitto}. */
export interface StartMosquittoOptions {
  /**
   * Mutual TLS: the listener speaks TLS only and requires a client certificate signed by the test CA.
   * Default false (plain MQTT).
   */
  tls?: boolean;
  /**
   * Contents of a mosquitto `acl_file` to enforce (clients then act as the user name they connect with;
   * no password file, so any user name is accepted). Absent: no ACL, everything allowed.
   */
  acl?: string;
  /**
   * Keep sessions, their queued QoS 1 messages and retained messages across {@link MosquittoBroker.restart}
   * (mosquitto `persistence true`, saved in the broker's temp dir when it stops). Default false.
   */
  persistence?: boolean;
}

/** A running mosquitto child process. */
export interface MosquittoBroker {
  /** Always 127.0.0.1. */
  readonly host: string;
  /** The listener port; the same after {@link MosquittoBroker.restart}. */
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>`, or `mqtts://…` with TLS. */
  readonly url: string;
  /** Process id of the current mosquitto process (a new one after restart). */
  readonly pid: number;
  /** What mosquitto has logged so far (stderr), for assertion messages. */
  logs(): string;
  /** Kills the broker (SIGTERM, SIGKILL after 3 s) and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
  /** Stops the broker if running, then starts it again on the same port with the same config. */
  restart(): Promise<void>;
}

/** A broker started with `{ tls: true }`, with the PEM files a client needs. */
export interface TlsMosquittoBroker extends MosquittoBroker {
  /** CA certificate that signed both the server and the client certificate. */
  readonly ca: string;
  /** Client certificate accepted by the broker. */
  readonly cert: string;
  /** Private key of {@link TlsMosquittoBroker.cert}. */
  readonly key: string;
}

/** How long mosquitto may take to accept connections, in ms. */
const START_TIMEOUT_MS = 10_000;
/** Attempts at a fresh port when another process took the one {@link freePort} found. */
const PORT_ATTEMPTS = 5;

function configText(
  port: number,
  pki: TestPki | undefined,
  aclFile?: string,
  persistenceDir?: string,
): string {
  const lines = [
    `listener ${port} ${LOOPBACK}`,
    "allow_anonymous true",
    ...(persistenceDir === undefined
      ? ["persistence false"]
      : ["persistence true", `persistence_location ${persistenceDir}/`]),
    "log_dest stderr",
    "connection_messages true",
  ];
  // As root, mosquitto drops to the "mosquitto" user, which can neither read our 0700 temp dir
  // nor be killed by the parent-death signal any more; stay root.
  if (process.getuid?.() === 0) lines.push("user root");
  if (aclFile !== undefined) lines.push(`acl_file ${aclFile}`);
  if (pki !== undefined) {
    lines.push(
      `cafile ${pki.ca}`,
      `certfile ${pki.serverCert}`,
      `keyfile ${pki.serverKey}`,
      "require_certificate true",
    );
  }
  return `${lines.join("\n")}\n`;
}

const addressInUse = (output: string): boolean => /address already in use/i.test(output);

/** A start that failed, with what mosquitto printed (to tell a port clash from a config error). */
class MosquittoStartError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
  }
}

/** What mosquitto logs once all its listeners are bound (a failed bind logs an error and exits). */
const RUNNING = /mosquitto version \S+ running/;

/**
 * Starts mosquitto with `confPath` and waits until it says it is running and `port` accepts
 * connections. Port acceptance alone is not proof: another broker may hold the same port.
 */
async function launch(binary: string, confPath: string, port: number): Promise<OwnedProcess> {
  const proc = await spawnOwned(binary, ["-c", confPath]);
  try {
    await waitForPort(port, {
      timeoutMs: START_TIMEOUT_MS,
      abortIf: () => (proc.hasExited() ? `mosquitto exited on start:\n${proc.output()}` : undefined),
    });
    await waitFor(() => RUNNING.test(proc.output()) || proc.hasExited(), {
      timeoutMs: START_TIMEOUT_MS,
      intervalMs: 10,
      description: "mosquitto to log that it is running",
    });
    if (proc.hasExited() || addressInUse(proc.output())) {
      throw new Error(`mosquitto exited on start:\n${proc.output()}`);
    }
  } catch (error) {
    await stopOwned(proc);
    throw new MosquittoStartError(error instanceof Error ? error.message : String(error), proc.output());
  }
  return proc;
}

/**
 * Starts a real mosquitto broker on a free port of 127.0.0.1 (anonymous access, no persistence) and
 * resolves once it accepts TCP connections. With `{ tls: true }` it also generates a CA, a server
 * certificate (CN/SAN 127.0.0.1 and localhost) and a client certificate, and requires the client
 * certificate. The broker is killed when the test process exits; call stop() to end it sooner.
 */
export function startMosquitto(options: StartMosquittoOptions & { tls: true }): Promise<TlsMosquittoBroker>;
export function startMosquitto(options?: StartMosquittoOptions & { tls?: false }): Promise<MosquittoBroker>;
export function startMosquitto(
  options?: StartMosquittoOptions,
): Promise<MosquittoBroker | TlsMosquittoBroker>;
export async function startMosquitto(
  options: StartMosquittoOptions = {},
): Promise<MosquittoBroker | TlsMosquittoBroker> {
  const binary = requireTool("mosquitto");
  const dir = await tempDir("mosquitto-");
  const pki = options.tls === true ? await generateTestPki(dir.path) : undefined;
  const confPath = join(dir.path, "mosquitto.conf");

  let port = 0;
  let proc: OwnedProcess | undefined;
  for (let attempt = 1; proc === undefined; attempt++) {
    port = await freePort();
    const aclPath = join(dir.path, "acl");
    if (options.acl !== undefined) await writeFile(aclPath, options.acl);
    const aclFile = options.acl === undefined ? undefined : aclPath;
    const persistenceDir = options.persistence === true ? dir.path : undefined;
    await writeFile(confPath, configText(port, pki, aclFile, persistenceDir));
    try {
      proc = await launch(binary, confPath, port);
    } catch (error) {
      const retry = error instanceof MosquittoStartError && addressInUse(error.output);
      if (!retry || attempt >= PORT_ATTEMPTS) throw error;
    }
  }

  let current: OwnedProcess = proc;
  let previousLogs = "";
  const broker: MosquittoBroker = {
    host: LOOPBACK,
    port,
    url: `${pki === undefined ? "mqtt" : "mqtts"}://${LOOPBACK}:${port}`,
    get pid() {
      return current.pid;
    },
    logs: () => previousLogs + current.output(),
    stop: () => stopOwned(current),
    async restart() {
      await stopOwned(current);
      previousLogs += current.output();
      // The port is ours, but a lingering socket can delay the bind for a moment: retry until the deadline.
      const deadline = performance.now() + START_TIMEOUT_MS;
      for (;;) {
        try {
          current = await launch(binary, confPath, port);
          return;
        } catch (error) {
          const retry = error instanceof MosquittoStartError && addressInUse(error.output);
          if (!retry || performance.now() > deadline) throw error;
          await sleep(100);
        }
      }
    },
  };
  if (pki === undefined) return broker;
  return Object.assign(broker, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey });
}
