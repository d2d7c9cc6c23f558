/**
 * Clock steps (issue 10, defects 1 and 2): the real service polls two simulated prepaid meters under
 * libfaketime while the test steps its wall clock the way NTP does on a box without an RTC, forward and
 * back, by an hour up to twenty years, and restarts it (once at 1970). After each step the anomaly must
 * be reported as an event and billing must resume; a restart on a right clock must raise no anomaly.
 * At the end the ledger must hold every charged Wh exactly once: per meter, charged energy equals the
 * register's movement, each reading is charged at most once and each balance equals its ledger.
 */
import { join } from "node:path";
import { requireProfile } from "../../../protocols/profiles/load.ts";
import { startSimulator, type RunningSimulator } from "../../../simulator/start.ts";
import { tempDir, waitFor, type TempDir } from "../../helpers/index.ts";
import { profiles } from "../../helpers/bus-harness.ts";
import { billingFacts } from "../../helpers/faults/billing-facts.ts";
import { chargesAfter, clockEventsAfter, marks, readingsAfter } from "../../helpers/database.ts";
import { steppedWallClock, type SteppedWallClock } from "../../helpers/faults/faketime.ts";
import { startService, type ServiceUnderTest } from "../../helpers/service.ts";
import { faultResult, type FaultResult, type FaultScenario, type FaultSize } from "../types.ts";

const HOUR = 3600;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;
const METERS = ["m1", "m2"] as const;
/** 1.0000 yuan/kWh: 10 000 x 1e-7 yuan per Wh, so charged money converts back to Wh exactly. */
const E7_PER_WH = 10_000;
/** How long billing may take to resume after a step, or to start after a restart, ms. */
const RESUME_BUDGET_MS = 15_000;

/** One thing done to the running service: its wall clock set to `offsetSec`, or a restart. */
type Action =
  | { readonly kind: "step"; readonly offsetSec: number }
  | { readonly kind: "restart"; readonly offsetSec: number };

/** The steps per size: back to the right time after each large one, as NTP would set it. */
function plan(size: FaultSize): Action[] {
  const step = (offsetSec: number): Action => ({ kind: "step", offsetSec });
  if (size === "quick") return [step(HOUR), step(0), { kind: "restart", offsetSec: 0 }];
  return [
    step(HOUR),
    step(0),
    step(-HOUR),
    step(0),
    step(DAY),
    step(-DAY), // two days back in one step
    step(0),
    step(30 * DAY),
    step(0),
    step(20 * YEAR),
    step(0),
    step(-600),
    step(0),
    { kind: "restart", offsetSec: 0 },
    // A Pi without an RTC boots at 1970 until NTP sets the clock.
    { kind: "restart", offsetSec: -Math.floor(Date.now() / 1000) + 60 },
    step(0),
  ];
}

/** What the run observed, for the result. */
interface Tally {
  readonly failures: string[];
  /** Readings stored after each action, and ms until every meter was charged again. */
  readonly readingsAfter: number[];
  readonly resumeMs: number[];
  clockEvents: number;
  restartAnomalies: number;
  chargedWh: number;
}

interface Run extends Tally {
  readonly dir: TempDir;
  readonly sim: RunningSimulator;
  readonly clock: SteppedWallClock;
  /** The service's database file. */
  readonly dbFile: string;
  service: ServiceUnderTest;
}

function configText(simPort: number) {
  return (parts: { dataDir: string; httpPort: number }): string =>
    `gateway: { id: gw-clock, dataDir: ${parts.dataDir}, httpPort: ${parts.httpPort}, logLevel: warn }
buses: [{ id: tcp, transport: tcp, host: 127.0.0.1, port: ${simPort}, timeoutMs: 300 }]
meters:
${METERS.map((id, i) => `  - { id: ${id}, bus: tcp, unit: ${i + 1}, profile: generic-prepaid, account: a${i + 1}, pollIntervalMs: 200 }`).join("\n")}
accounts:
${METERS.map((_, i) => `  - { id: a${i + 1}, tariff: flat, balance: "10000.00", hoardingLimit: "100000.00" }`).join("\n")}
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
`;
}

/** Waits until every meter has `count` charged readings after `readingId`; false when the budget ran out. */
async function chargedAgain(run: Run, readingId: number, count: number): Promise<boolean> {
  return waitFor(
    () => {
      const charges = chargesAfter(run.dbFile, readingId);
      return METERS.every((m) => (charges.get(m) ?? 0) >= count);
    },
    { timeoutMs: RESUME_BUDGET_MS, intervalMs: 50, description: "charges" },
  ).then(
    () => true,
    () => false,
  );
}

/** Steps the wall clock and checks the anomaly is reported and billing resumes. */
async function stepClock(run: Run, offsetSec: number): Promise<void> {
  const before = marks(run.dbFile);
  const label = `step to ${offsetSec} s`;
  const expected = offsetSec > run.clock.offsetSec ? "wall-jump" : "wall-backwards";
  const started = performance.now();
  run.clock.setOffset(offsetSec);
  const seen = await waitFor(
    () => {
      const events = clockEventsAfter(run.dbFile, before.eventId);
      return METERS.every((m) => events.some((e) => e.meterId === m && e.anomaly === expected)) && events;
    },
    { timeoutMs: RESUME_BUDGET_MS, intervalMs: 50, description: "clock.anomaly events" },
  ).catch(() => undefined);
  if (seen === undefined) {
    run.failures.push(
      `${label}: no clock.anomaly ${expected} event for every meter within ${RESUME_BUDGET_MS} ms`,
    );
    return;
  }
  run.clockEvents += seen.length;
  const atAnomaly = marks(run.dbFile);
  if (!(await chargedAgain(run, atAnomaly.readingId, 3))) {
    run.failures.push(`${label}: billing did not resume within ${RESUME_BUDGET_MS} ms`);
    return;
  }
  run.resumeMs.push(Math.round(performance.now() - started));
  run.readingsAfter.push(readingsAfter(run.dbFile, before.readingId));
}

/** Restarts the service on the same database with its wall clock at `offsetSec`. */
async function restart(run: Run, offsetSec: number): Promise<void> {
  const stopped = await run.service.stop();
  if (stopped.code !== 0) run.failures.push(`restart: the service exited with ${stopped.code}`);
  scanLog(run, run.service.process.output());
  const before = marks(run.dbFile);
  run.clock.setOffset(offsetSec);
  run.service = await startService({ config: configText(run.sim.port!), env: run.clock.env, dir: run.dir });
  const started = performance.now();
  const unset = offsetSec < -YEAR;
  if (unset) {
    // Nothing may be charged on a clock that is not set: wait for readings, then look.
    await waitFor(() => readingsAfter(run.dbFile, before.readingId) >= 10, { timeoutMs: RESUME_BUDGET_MS });
    const charged = [...chargesAfter(run.dbFile, before.readingId).values()].reduce((a, b) => a + b, 0);
    if (charged > 0) run.failures.push(`restart at 1970: ${charged} readings charged on an unset clock`);
    return;
  }
  const resumed = await chargedAgain(run, before.readingId, 3);
  const anomalies = clockEventsAfter(run.dbFile, before.eventId);
  run.restartAnomalies += anomalies.length;
  for (const e of anomalies)
    run.failures.push(`restart: unexpected clock.anomaly ${e.anomaly} on ${e.meterId}`);
  if (!resumed) {
    run.failures.push(`restart: billing did not resume within ${RESUME_BUDGET_MS} ms`);
    return;
  }
  run.resumeMs.push(Math.round(performance.now() - started));
  run.readingsAfter.push(readingsAfter(run.dbFile, before.readingId));
}

/** A batch that failed to store or charge is a failure, whatever else recovered. */
function scanLog(run: Run, output: string): void {
  const bad = output.split("\n").filter((line) => /could not store|safe integer/.test(line));
  if (bad.length > 0)
    run.failures.push(`service log: ${bad.length} failed batches, first: ${bad[0]!.slice(0, 300)}`);
}

/** The ledger invariants after the run. */
function checkLedger(run: Run): void {
  const facts = billingFacts(run.dbFile);
  if (facts.integrity !== "ok") run.failures.push(`integrity_check: ${facts.integrity}`);
  const unbalanced = facts.accounts.filter((a) => a.balanceE7 !== a.ledgerSumE7).map((a) => a.id);
  if (unbalanced.length > 0)
    run.failures.push(`balance differs from the ledger sum for ${unbalanced.join(", ")}`);
  const doubleCharges = facts.charges - facts.chargedReadings;
  if (doubleCharges !== 0) run.failures.push(`${doubleCharges} readings charged twice`);
  if (facts.negativeCharges !== 0) run.failures.push(`${facts.negativeCharges} charges credited money`);
  // Money back to Wh at the flat price: each Wh the register moved up to the last charged reading, once.
  run.chargedWh = 0;
  for (const m of facts.meters) {
    if (m.lastChargedWh === undefined) continue;
    const chargedWh = m.chargedE7 / E7_PER_WH;
    const movedWh = m.lastChargedWh - m.firstWh;
    if (chargedWh !== movedWh)
      run.failures.push(`${m.meterId}: charged ${chargedWh} Wh for a register movement of ${movedWh} Wh`);
    run.chargedWh += chargedWh;
  }
}

function result(run: Tally, runs: number): FaultResult {
  const sorted = [...run.resumeMs].sort((a, b) => a - b);
  return faultResult({
    fault: "wall-clock steps (libfaketime) and restarts",
    runs,
    checked:
      "anomaly event per meter, billing resumes, no anomaly on restart, charged Wh = register movement, no double charge, balance = ledger",
    figures: {
      "steps and restarts": runs,
      "clock.anomaly events": run.clockEvents,
      "anomalies on restart": run.restartAnomalies,
      "readings stored after each (min)": run.readingsAfter.length > 0 ? Math.min(...run.readingsAfter) : 0,
      "resume billing ms (median)": sorted[Math.floor(sorted.length / 2)] ?? "-",
      "resume billing ms (max)": sorted.at(-1) ?? "-",
      "charged Wh": run.chargedWh,
    },
    failures: run.failures,
  });
}

/** Simulated meters with a steady 30 kW load: about 8 Wh a second, so every poll moves the register. */
function simulate(): Promise<RunningSimulator> {
  return startSimulator({
    endpoint: { kind: "tcp", host: "127.0.0.1", port: 0 },
    meters: METERS.map((_, i) => ({
      unit: i + 1,
      profile: requireProfile(profiles, "generic-prepaid"),
      powerW: 30_000,
      importEnergyWh: 500_000,
    })),
  });
}

export const scenario: FaultScenario = async ({ size }) => {
  const actions = plan(size);
  const tally: Tally = {
    failures: [],
    readingsAfter: [],
    resumeMs: [],
    clockEvents: 0,
    restartAnomalies: 0,
    chargedWh: 0,
  };
  const sim = await simulate();
  const dir = await tempDir("fault-clock-");
  let run: Run | undefined;
  try {
    const clock = steppedWallClock(dir.path);
    const service = await startService({ config: configText(sim.port!), env: clock.env, dir });
    const dbFile = join(dir.path, "data", "gateway.db");
    run = Object.assign(tally, { dir, sim, clock, dbFile, service });
    if (!(await chargedAgain(run, 0, 3))) run.failures.push("billing did not start");
    for (const action of actions) {
      if (action.kind === "step") await stepClock(run, action.offsetSec);
      else await restart(run, action.offsetSec);
    }
    const stopped = await run.service.stop();
    if (stopped.code !== 0) run.failures.push(`stop: the service exited with ${stopped.code}`);
    scanLog(run, run.service.process.output());
    checkLedger(run);
  } catch (error) {
    tally.failures.push(`scenario error: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    // Whichever child is current (a restart replaces it), if a failure left it running.
    await run?.service.kill().catch(() => undefined);
    await sim.stop();
    await dir.remove();
  }
  return result(tally, actions.length);
};
