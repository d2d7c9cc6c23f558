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
 * Wraps run/get/all/iterate of better-sqlite3's Statement prototype (shared by every tree in the process,
 * which resolve the same node_modules) so each execution is counted.
 */
export function countStatements(): StatementCounter {
  const probe = new Database(":memory:");
  const proto = Object.getPrototypeOf(probe.prepare("SELECT 1")) as Record<string, unknown>;
  probe.close();
  const counter = { count: 0 };
  for (const name of ["run", "get", "all", "iterate"]) {
    const original = proto[name] as (...args: unknown[]) => unknown;
    proto[name] = function (this: unknown, ...args: unknown[]) {
      counter.count++;
      return original.apply(this, args);
    };
  }
  return counter;
}
