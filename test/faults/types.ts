/**
 * The fault suite's contract. Each field fault is a scenario module in `test/faults/scenarios/` that
 * drives the real service (a `meter-gateway run` child, a real mosquitto, a real SQLite file) through
 * one fault and checks what a user would observe. The same function serves both sizes:
 * - `npm test` runs it once with `size: "quick"` from `test/faults/<name>.test.ts` and expects `passed`;
 * - `npm run faults` runs every scenario with `size: "full"`, prints one table and writes it to
 *   docs/reliability.md.
 */

/** How much of a fault to run: a quick slice for `npm test`, the whole run for `npm run faults`. */
export type FaultSize = "quick" | "full";

/** What one scenario observed. */
export interface FaultResult {
  /** Short name of the fault, e.g. "SIGKILL under load". */
  readonly fault: string;
  /** How many times the fault was injected. */
  readonly runs: number;
  /** What was checked after each injection, in plain words. */
  readonly checked: string;
  /** True when every check held on every run. */
  readonly passed: boolean;
  /** Figures worth printing (counts, durations), e.g. { "readings stored": 1234, "max stop ms": 812 }. */
  readonly figures: Readonly<Record<string, number | string>>;
  /** Why it failed, one line per failed check (empty when passed). */
  readonly failures: readonly string[];
}

/** A result whose `passed` says what its failures say: true exactly when there are none. */
export function faultResult(parts: Omit<FaultResult, "passed">): FaultResult {
  return { ...parts, passed: parts.failures.length === 0 };
}

/** A fault scenario: runs the fault `size` times and reports; never throws for a failed check. */
export type FaultScenario = (options: { readonly size: FaultSize }) => Promise<FaultResult>;
