/**
 * Reads a scenario file: YAML (or JSON), validated by the scenario schema, with profile names checked
 * against the profile registry. All problems at once, each naming its path (`buses[0].meters[1].units`).
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type * as z from "zod";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import type { ProfileRegistry } from "../../protocols/profiles/load.ts";
import { ErrorCode } from "../../core/errors.ts";
import { SimError } from "../core/sim-error.ts";
import { scenarioSchema, type Scenario } from "./schema.ts";

/** `["buses", 0, "meters", 1, "units"]` -> `buses[0].meters[1].units`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(top level)" : out;
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

export interface LoadedScenario {
  scenario: Scenario;
  profiles: ProfileRegistry;
  /** Directory relative paths in the scenario are resolved against. */
  baseDir: string;
}

/**
 * Validates a parsed document as a scenario. Throws SimError(SCENARIO_INVALID) whose message is
 * `<source>: <path>: <problem>; <path>: <problem>`.
 */
export function parseScenario(data: unknown, source: string, baseDir: string): LoadedScenario {
  const result = scenarioSchema.safeParse(data);
  if (!result.success) {
    throw new SimError(
      ErrorCode.ScenarioInvalid,
      `${source}: ${formatIssues(result.error.issues).join("; ")}`,
    );
  }
  const scenario = result.data;
  let profiles: ProfileRegistry;
  try {
    profiles = loadProfiles(
      scenario.profilesDir === undefined ? undefined : resolvePath(baseDir, scenario.profilesDir),
    );
  } catch (error) {
    throw new SimError(
      ErrorCode.ScenarioInvalid,
      `${source}: profilesDir: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const problems: string[] = [];
  scenario.buses.forEach((bus, b) =>
    bus.meters.forEach((group, g) => {
      // DL/T 645 buses name a simulated model (checked by the schema), not a register-map profile.
      if (bus.protocol === "modbus" && !profiles.has(group.profile)) {
        problems.push(
          `${formatPath(["buses", b, "meters", g, "profile"])}: unknown profile '${group.profile}' (known: ${[...profiles.keys()].join(", ")})`,
        );
      }
    }),
  );
  if (problems.length > 0) throw new SimError(ErrorCode.ScenarioInvalid, `${source}: ${problems.join("; ")}`);
  return { scenario, profiles, baseDir };
}

/** Reads and validates a scenario file. */
export function loadScenarioFile(file: string): LoadedScenario {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SimError(
      ErrorCode.ScenarioInvalid,
      code === "ENOENT"
        ? `scenario ${file} does not exist`
        : `cannot read scenario ${file}: ${String(error)}`,
    );
  }
  let data: unknown;
  try {
    data = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new SimError(ErrorCode.ScenarioInvalid, `${file}: not valid YAML: ${message}`);
  }
  return parseScenario(data, file, dirname(resolve(file)));
}

export function resolvePath(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}
