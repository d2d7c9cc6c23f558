/**
 * The scan's sweep: each line setting in turn, each unit id on it, and every meter that answers
 * identified and tagged with the setting it answered on. A meter found on one setting is not probed on
 * the later ones (it listens on one setting only; probing it again would only repeat it).
 */
import type { Clock } from "../../core/clock.ts";
import type { TransportEndpoint } from "../../protocols/modbus/transport/transport.ts";
import type { ScanHit } from "./probe.ts";
import { lineOf, type LineSettings } from "./scan-settings.ts";

/** What the sweep needs of a prober on one line setting (BusProber in production). */
export interface UnitProber {
  present(unit: number): Promise<boolean>;
  identify(unit: number): Promise<ScanHit>;
  close(): Promise<void>;
}

/** A meter that answered, with the line settings it answered on (absent over TCP). */
export interface FoundMeter extends ScanHit {
  line?: LineSettings;
}

/** Where the sweep is, for the progress line. */
export interface SweepProgress {
  /** 1-based index of the line setting being tried, of `settings`. */
  setting: number;
  settings: number;
  line: LineSettings | undefined;
  unit: number;
  /** 1-based index of the unit on this setting, of `units`. */
  index: number;
  units: number;
  found: number;
  /** Probes made so far. */
  done: number;
  /** Probes still to make at most, this one included (units already found are skipped later). */
  left: number;
  /** Since the sweep started, ms. */
  elapsedMs: number;
}

export interface SweepOptions {
  /** One per line setting, tried in order. */
  endpoints: readonly TransportEndpoint[];
  /** Unit ids, 1..247, probed in order on each setting. */
  units: readonly number[];
  openProber(endpoint: TransportEndpoint): UnitProber;
  clock: Clock;
  onProbe?(progress: SweepProgress): void;
  onFound?(meter: FoundMeter): void;
}

/** Gap the prober leaves between probes, ms (BusProber's inter-frame gap). */
export const probeGapMs = 5;

/**
 * How long the probing takes when nothing answers, ms: every unit on every setting waits its reply
 * timeout. Identifying a meter that answers adds one read plan per profile.
 */
export function probingBoundMs(settings: number, units: number, timeoutMs: number): number {
  return settings * units * (timeoutMs + probeGapMs);
}

/**
 * Time the probes left can take at most, ms: each costs its timeout, or what a probe has cost so far on
 * average when that is more (a busy machine fires timers late), so the figure shown does not run out.
 */
export function timeLeftMs(progress: SweepProgress, timeoutMs: number): number {
  const perProbe = progress.done === 0 ? 0 : progress.elapsedMs / progress.done;
  return progress.left * Math.max(timeoutMs + probeGapMs, perProbe);
}

/** Runs the sweep; meters come back in the order found (by setting, then unit id). */
export async function sweep(options: SweepOptions): Promise<FoundMeter[]> {
  const { endpoints, units, clock } = options;
  const startMs = clock.monotonicMs();
  const found: FoundMeter[] = [];
  const foundUnits = new Set<number>();
  let done = 0;
  for (const [s, endpoint] of endpoints.entries()) {
    const line = lineOf(endpoint);
    const prober = options.openProber(endpoint);
    try {
      for (const [i, unit] of units.entries()) {
        if (foundUnits.has(unit)) continue;
        options.onProbe?.({
          setting: s + 1,
          settings: endpoints.length,
          line,
          unit,
          index: i + 1,
          units: units.length,
          found: found.length,
          done,
          left: (endpoints.length - s - 1) * (units.length - foundUnits.size) + (units.length - i),
          elapsedMs: clock.monotonicMs() - startMs,
        });
        done += 1;
        if (!(await prober.present(unit))) continue;
        const meter: FoundMeter = {
          ...(await prober.identify(unit)),
          ...(line === undefined ? {} : { line }),
        };
        found.push(meter);
        foundUnits.add(unit);
        options.onFound?.(meter);
      }
    } finally {
      await prober.close();
    }
  }
  return found;
}
