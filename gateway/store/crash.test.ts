import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { TempStores } from "../../test/helpers/store/temp-store.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const writerScript = path.join(here, "..", "..", "test", "helpers", "store", "crash-writer.ts");
const repoRoot = path.resolve(here, "..", "..");
const perBatch = 300;

const temp = new TempStores();
afterEach(() => temp.cleanup());

/** Runs the writer until it has reported `minBatches` commits, waits `delayMs` more, then SIGKILLs it. */
async function runAndKill(dataDir: string, minBatches: number, delayMs: number): Promise<number[]> {
  const child = spawn(process.execPath, ["--import", "tsx", writerScript, dataDir, String(perBatch)], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.split("\n").length - 1 >= minBatches) resolve();
    });
    child.on("exit", (code) => reject(new Error(`writer exited early (${code}): ${err}`)));
  });
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  child.kill("SIGKILL");
  await closed;
  expect(child.signalCode).toBe("SIGKILL");
  // A line cut short by the kill was never fully written, so it is not a report.
  return out
    .split("\n")
    .slice(0, -1)
    .map((line) => Number(line));
}

describe("crash safety", () => {
  it("keeps every reported batch and no partial batch across repeated SIGKILLs", async () => {
    const dataDir = temp.dir();
    const reported = new Set<number>();
    for (const delayMs of [0, 3, 11, 25, 40]) {
      for (const n of await runAndKill(dataDir, 3, delayMs)) reported.add(n);

      const store = temp.open({ dataDir });
      expect(store.integrityCheck()).toEqual({ ok: true });
      expect(store.pragmas().synchronous).toBe(2);
      const counts = new Map(
        (
          store.db.prepare("SELECT meter_id, count(*) FROM readings GROUP BY meter_id").raw().all() as [
            string,
            number,
          ][]
        ).map(([meter, count]) => [Number(meter.slice("batch-".length)), count]),
      );
      for (const n of reported) expect(counts.get(n), `reported batch ${n}`).toBe(perBatch);
      for (const [n, count] of counts) expect(count, `batch ${n} is whole`).toBe(perBatch);
      // Batches are sequential, so the stored ones are exactly 1..last, each with its outbox record.
      const last = Number(store.kv.get("crash.lastBatch"));
      expect([...counts.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
      expect(Math.max(...reported)).toBeLessThanOrEqual(last);
      const seqs = store.outbox.fetchUndelivered("readings", { limit: 10_000 }).map((r) => r.seq);
      expect(seqs).toEqual(Array.from({ length: last }, (_, i) => i + 1));
      store.close();
    }
  }, 120_000);
});
