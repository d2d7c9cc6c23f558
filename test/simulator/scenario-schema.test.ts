/** Scenario files: the shipped examples validate, and every kind of mistake is reported with its path. */
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile, parseScenario } from "../../simulator/scenario/load.ts";
import type { ScenarioInput } from "../../simulator/scenario/schema.ts";
import { tempDir } from "../helpers/index.ts";
import { repoRoot, scenariosDir } from "../helpers/simulator.ts";

const examples = readdirSync(scenariosDir).filter((name) => name.endsWith(".yaml"));

/** A minimal valid scenario with `patch` applied to its first bus. */
function scenario(patch: Record<string, unknown> = {}, top: Record<string, unknown> = {}): ScenarioInput {
  return {
    buses: [
      {
        name: "a",
        endpoint: { kind: "tcp", port: 0 },
        meters: [{ units: "1-3", profile: "sdm120" }],
        ...patch,
      },
    ],
    ...top,
  };
}

function problems(input: unknown): string {
  try {
    parseScenario(input, "s.yaml", repoRoot);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected the scenario to be rejected");
}

describe("scenario examples", () => {
  it("ships the four documented examples", () => {
    expect(examples.sort()).toEqual([
      "dead-and-flaky.yaml",
      "dlt645-street.yaml",
      "residential-feeder.yaml",
      "tou-day.yaml",
    ]);
  });

  it("the DL/T 645 street mixes a DL/T 645 bus and a Modbus bus", () => {
    const { scenario } = loadScenarioFile(join(scenariosDir, "dlt645-street.yaml"));
    expect(scenario.buses.map((b) => b.protocol)).toEqual(["dlt645", "modbus"]);
  });

  it.each(examples)("%s validates", (name) => {
    const { scenario } = loadScenarioFile(join(scenariosDir, name));
    expect(scenario.buses.length).toBeGreaterThan(0);
    expect(scenario.description).toBeTypeOf("string");
  });

  it("the residential feeder has several buses and profiles", () => {
    const { scenario } = loadScenarioFile(join(scenariosDir, "residential-feeder.yaml"));
    expect(scenario.buses.map((b) => b.endpoint.kind)).toEqual(["pty", "tcp"]);
    expect(new Set(scenario.buses.flatMap((b) => b.meters.map((m) => m.profile)))).toEqual(
      new Set(["generic-prepaid", "sdm630"]),
    );
  });
});

describe("scenario validation names the path of each problem", () => {
  it.each([
    [
      "a unit list out of range",
      scenario({ meters: [{ units: "0-3", profile: "sdm120" }] }),
      "buses[0].meters[0].units: '0-3': unit ids are 1..247",
    ],
    [
      "an unknown profile",
      scenario({ meters: [{ units: 1, profile: "sdm999" }] }),
      "buses[0].meters[0].profile: unknown profile 'sdm999'",
    ],
    [
      "a unit twice on a bus",
      scenario({
        meters: [
          { units: "1-3", profile: "sdm120" },
          { units: 3, profile: "sdm630" },
        ],
      }),
      "buses[0].meters[1].units: unit 3 is already on bus 'a'",
    ],
    ["an unknown endpoint kind", scenario({ endpoint: { kind: "udp", port: 1 } }), "buses[0].endpoint.kind"],
    [
      "line timing on Modbus TCP",
      scenario({ endpoint: { kind: "tcp", port: 1, lineTiming: true } }),
      "buses[0].endpoint: Unrecognized key",
    ],
    [
      "a bad baud rate",
      scenario({ endpoint: { kind: "serial", device: "/dev/ttyUSB0", baud: 300 } }),
      "buses[0].endpoint.baud",
    ],
    [
      "an unknown fault",
      scenario({ meters: [{ units: 1, profile: "sdm120", faults: [{ kind: "melt" }] }] }),
      "buses[0].meters[0].faults[0].kind",
    ],
    [
      "a probability on a state fault",
      scenario({ meters: [{ units: 1, profile: "sdm120", faults: [{ kind: "tamper", probability: 0.5 }] }] }),
      'buses[0].meters[0].faults[0]: Unrecognized key: "probability"',
    ],
    [
      "a daily curve without 24 points",
      scenario({ meters: [{ units: 1, profile: "sdm120", load: { kind: "daily", hourlyW: [1] } }] }),
      "buses[0].meters[0].load.hourlyW",
    ],
    [
      "a bad timeline offset",
      scenario({}, { timeline: [{ at: "soon", units: 1, relay: "open" }] }),
      "timeline[0].at: 'soon' is not a duration",
    ],
    [
      "a timeline unit that is not there",
      scenario({}, { timeline: [{ at: "1h", units: "3-4", relay: "open" }] }),
      "timeline[0].units: no meter at unit 4 on bus 'a'",
    ],
    [
      "a timeline entry with two actions",
      scenario({}, { timeline: [{ at: "1h", units: 1, relay: "open", load: 5 }] }),
      "timeline[0]: needs exactly one of fault, clear, load, relay, speed (found load, relay)",
    ],
    [
      "clearing a one-shot fault",
      scenario({}, { timeline: [{ at: "1h", units: 1, clear: "relay-drop" }] }),
      "timeline[0].clear",
    ],
    [
      "speed for units",
      scenario({}, { timeline: [{ at: "1h", units: 1, speed: 5 }] }),
      "timeline[0].units: speed applies to the whole run",
    ],
    ["a bad start time", scenario({}, { clock: { start: "yesterday" } }), "clock.start"],
    ["an unknown top-level key", scenario({}, { busses: [] }), '(top level): Unrecognized key: "busses"'],
  ])("%s", (_what, input, expected) => {
    expect(problems(input)).toContain(expected);
  });

  it("reports every problem at once, prefixed with the file", () => {
    const message = problems(
      scenario(
        { meters: [{ units: "0", profile: "sdm120" }] },
        { timeline: [{ at: "x", units: 1, relay: "open" }] },
      ),
    );
    expect(message).toMatch(/^s\.yaml: /);
    expect(message).toContain("buses[0].meters[0].units");
    expect(message).toContain("timeline[0].at");
  });

  it("needs the bus name in a timeline entry when there are several buses", () => {
    const input = scenario({}, { timeline: [{ at: "1h", units: 1, relay: "open" }] });
    input.buses.push({
      name: "b",
      endpoint: { kind: "tcp", port: 0 },
      meters: [{ units: 1, profile: "sdm120" }],
    });
    expect(problems(input)).toContain("timeline[0].bus: name the bus: the scenario has several");
  });

  it("names a YAML syntax error and a missing file", async () => {
    const dir = await tempDir("scenario-");
    const file = join(dir.path, "broken.yaml");
    writeFileSync(file, "buses: [\n  - name: a\n");
    expect(() => loadScenarioFile(file)).toThrow(/broken\.yaml: not valid YAML/);
    expect(() => loadScenarioFile(join(dir.path, "nope.yaml"))).toThrow(/nope\.yaml does not exist/);
    await dir.remove();
  });
});
