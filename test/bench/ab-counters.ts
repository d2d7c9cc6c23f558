/**
 * Load-independent counts for the ingest A/B (ab-ingest.ts): write syscalls and bytes written
 * (/proc/self/io, Linux; what the WAL and checkpoints cost, independent of CPU speed and load), and
 * SQLite statements executed, counted by wrapping better-sqlite3's Statement methods (opt-in: the wrapper
 * costs CPU of its own, so a counting run's µs are not quoted).
 */
import { readFileSync } from "node:fs";
import Database from "better-sqlite3";

/** Write syscalls and bytes this process has issued so far (zeros where /proc/self/io is missing). */
export function ioWrites(): { syscalls: number; bytes: number } {
  let text = "";
  try {
    text = readFileSync("/proc/self/io", "utf8");
  } catch {
    return { syscalls: 0, bytes: 0 };
  }
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, "m").exec(text)?.[1] ?? 0);
  return { syscalls: field("syscw"), bytes: field("wchar") };
}

/** Statements executed through any better-sqlite3 Statement since {@link countStatements} was called. */
export interface StatementCounter {
  readonly count: number;
}

/**
 * Counts executions of any statement (every tree in the process resolves the same node_modules, so one
 * Statement prototype serves them all).
 */
export function countStatements(): StatementCounter {
  const counter = { count: 0 };
  wrapStatements((_source, run) => {
    counter.count++;
    return run();
  });
  return counter;
}

/** Executions and time spent per statement text (whitespace folded), as {@link timeStatements} keeps them. */
export type StatementTimes = Map<string, { runs: number; ns: bigint }>;

/**
 * Times every execution of every statement (its SQL text's time includes its triggers; a COMMIT's includes
 * writing the WAL, its fsync and any checkpoint). The wrapper's own cost, well under a microsecond, is in
 * each time.
 */
export function timeStatements(): StatementTimes {
  const times: StatementTimes = new Map();
  wrapStatements((source, run) => {
    const started = process.hrtime.bigint();
    try {
      return run();
    } finally {
      const key = source.replace(/\s+/g, " ");
      const entry = times.get(key) ?? { runs: 0, ns: 0n };
      entry.runs++;
      entry.ns += process.hrtime.bigint() - started;
      times.set(key, entry);
    }
  });
  return times;
}

/** Wraps run/get/all/iterate of better-sqlite3's Statement prototype (shared by every tree in the process). */
function wrapStatements(around: (source: string, run: () => unknown) => unknown): void {
  const probe = new Database(":memory:");
  const proto = Object.getPrototypeOf(probe.prepare("SELECT 1")) as Record<string, unknown>;
  probe.close();
  for (const name of ["run", "get", "all", "iterate"]) {
    const original = proto[name] as (...args: unknown[]) => unknown;
    proto[name] = function (this: { source: string }, ...args: unknown[]) {
      return around(this.source, () => original.apply(this, args));
    };
  }
}
