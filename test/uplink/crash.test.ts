/**
 * The gateway is SIGKILLed in the middle of draining a large backlog, twice, and restarted: every record
 * arrives, duplicates only with the same idempotency key, and the outbox ends empty. The broker publishes
 * the last will (`offline`, `connection-lost`) when the process dies.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import type { StreamName } from "../../gateway/uplink/records.ts";
import type { MosquittoBroker } from "../helpers/index.ts";
import { startMosquitto, tempDir, waitFor } from "../helpers/index.ts";
import type { OwnedProcess } from "../helpers/processes.ts";
import { spawnOwned, stopOwned } from "../helpers/processes.ts";
import { outboxProgress } from "../helpers/database.ts";
import { checkStreams } from "../helpers/stream-checks.ts";
import { Platform } from "../helpers/platform.ts";

const childScript = fileURLToPath(new URL("./drain-child.ts", import.meta.url));
const perStream = 2000;
const streams: StreamName[] = ["readings", "billing", "events"];

let broker: MosquittoBroker | undefined;
let platform: Platform | undefined;
let child: OwnedProcess | undefined;
afterEach(async () => {
  if (child !== undefined) await stopOwned(child);
  await platform?.close();
  await broker?.stop();
  child = platform = broker = undefined;
});

async function runChild(dataDir: string, url: string): Promise<OwnedProcess> {
  const proc = await spawnOwned(process.execPath, [
    "--import",
    "tsx",
    childScript,
    dataDir,
    url,
    String(perStream),
  ]);
  await waitFor(() => proc.output().includes("started") || proc.hasExited(), {
    timeoutMs: 20_000,
    description: "drain child started",
  });
  if (proc.hasExited()) throw new Error(`drain child exited:\n${proc.output()}`);
  return proc;
}

describe("uplink crash safety", () => {
  it("loses nothing when SIGKILLed during a drain; duplicates carry the same key", async () => {
    broker = await startMosquitto();
    const url = broker.url;
    platform = await Platform.connect(url);
    const p = platform;
    const dataDir = (await tempDir("uplink-crash-")).path;
    const streamMessages = () => p.messages.filter((m) => streams.some((s) => m.topic === `mg/gw-test/${s}`));

    for (const killAfter of [800, 2500]) {
      child = await runChild(dataDir, url);
      await p.until(
        () => streamMessages().length >= killAfter,
        `${killAfter} records before the kill`,
        30_000,
      );
      child.child.kill("SIGKILL");
      await child.exited;
      child = undefined;
      await p.until(
        () => p.on("status").at(-1)?.payload["reason"] === "connection-lost",
        "last will after SIGKILL",
      );
    }
    const dbFile = join(dataDir, "gateway.db");
    expect(outboxProgress(dbFile).pending, "killed mid-drain").toBeGreaterThan(0);

    child = await runChild(dataDir, url);
    const seqSets = () => streams.map((s) => new Set(p.on(s).map((m) => m.payload["seq"])).size);
    await p.until(() => seqSets().every((n) => n === perStream), "every record of every stream", 60_000);
    await stopOwned(child);
    child = undefined;

    // Every seq 1..perStream of every stream arrived; a repeated seq carried the same key.
    const lastSeq = Object.fromEntries(streams.map((s) => [s, perStream]));
    expect(checkStreams(p.messages, "gw-test", lastSeq).failures).toEqual([]);
    expect(outboxProgress(dbFile).pending).toBe(0);
  }, 120_000);
});
