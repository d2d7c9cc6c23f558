/**
 * The sweep over line settings on a scripted line: each meter answers only at its own baud rate and
 * parity, which no pty can carry (Linux forces 8N1 on ptys; the pty test, test/cli/scan-line-settings,
 * covers the baud rate over a real pty). Every probe that finds nobody costs its reply timeout on the
 * ManualClock, so the progress figures are checked against the bound the scan prints.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import type { TransportEndpoint } from "../../protocols/modbus/transport/transport.ts";
import { lineLabel, lineOf, scanEndpoints } from "./scan-settings.ts";
import { probingBoundMs, sweep, timeLeftMs, type SweepProgress, type UnitProber } from "./scan-sweep.ts";

const timeoutMs = 200;
/** Unit id -> the one line setting it listens on. */
const meters = new Map<number, string>([
  [2, "4800 8E1"],
  [5, "9600 8N1"],
]);

function scriptedLine(clock: ManualClock, probed: string[]) {
  return (endpoint: TransportEndpoint): UnitProber => {
    const setting = lineLabel(lineOf(endpoint)!);
    return {
      present: (unit) => {
        probed.push(`${setting} ${unit}`);
        const answers = meters.get(unit) === setting;
        clock.advance(answers ? 20 : timeoutMs + 5);
        return Promise.resolve(answers);
      },
      identify: (unit) => Promise.resolve({ unit, profile: "sdm120", alternatives: [], values: {} }),
      close: async () => {},
    };
  };
}

describe("scan sweep over line settings", () => {
  const endpoints = scanEndpoints({ serial: "/dev/ttyUSB0", baud: "2400,4800,9600", parity: "none,even" });

  it("tags each meter with the baud rate and parity it answered on, and probes a found unit no more", async () => {
    const clock = new ManualClock();
    const probed: string[] = [];
    const found = await sweep({
      endpoints,
      units: [1, 2, 5],
      clock,
      openProber: scriptedLine(clock, probed),
    });
    expect(found.map((m) => [m.unit, m.line === undefined ? "-" : lineLabel(m.line)])).toEqual([
      [2, "4800 8E1"],
      [5, "9600 8N1"],
    ]);
    expect(found[0]!.line).toEqual({ baudRate: 4800, parity: "even", dataBits: 8, stopBits: 1 });
    expect(probed.filter((p) => p.endsWith(" 2"))).toEqual([
      "2400 8N1 2",
      "2400 8E1 2",
      "4800 8N1 2",
      "4800 8E1 2",
    ]);
    expect(probed.filter((p) => p.endsWith(" 5")).at(-1)).toBe("9600 8N1 5");
    expect(probed).not.toContain("9600 8E1 5");
  });

  it("reports progress within the bound the scan prints", async () => {
    const clock = new ManualClock();
    const progress: SweepProgress[] = [];
    const units = [1, 3, 4];
    await sweep({
      endpoints,
      units,
      clock,
      openProber: scriptedLine(clock, []),
      onProbe: (p) => progress.push(p),
    });
    const bound = probingBoundMs(endpoints.length, units.length, timeoutMs);
    expect(bound).toBe(6 * 3 * 205);
    expect(progress).toHaveLength(18);
    expect(progress.at(-1)).toMatchObject({ setting: 6, settings: 6, unit: 4, index: 3, units: 3, found: 0 });
    expect(progress.map((p) => p.done + p.left)).toEqual(progress.map(() => 18));
    expect(progress.at(-1)!.elapsedMs).toBe(bound - 205);
    // Time left: each probe left costs its timeout, or what probes have cost on average when more.
    expect(timeLeftMs(progress[0]!, timeoutMs)).toBe(bound);
    expect(timeLeftMs({ ...progress[9]!, elapsedMs: 9 * 400 }, timeoutMs)).toBe(9 * 400);
    expect(progress.at(-1)!.line).toEqual({ baudRate: 9600, parity: "even", dataBits: 8, stopBits: 1 });
  });

  it("checks each value of the lists as for a single setting", () => {
    expect(() => scanEndpoints({ serial: "/dev/ttyUSB0", baud: "2400,4000", parity: "none" })).toThrow(
      /--baud must be one of 1200, 2400/,
    );
    expect(() => scanEndpoints({ serial: "/dev/ttyUSB0", baud: "9600", parity: "none,mark" })).toThrow(
      /--parity must be none, even or odd \(got mark\)/,
    );
    expect(scanEndpoints({ serial: "/dev/ttyUSB0", baud: "9600, 9600", parity: "even" })).toHaveLength(1);
  });
});
