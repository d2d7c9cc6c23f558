/**
 * Config text to a frozen, validated config, or every problem with it at once (STYLE.md principle 9):
 * YAML syntax, then schema and cross-reference checks side by side, each located in the source.
 */
import { resolve } from "node:path";
import { busKeyHint } from "./bus.ts";
import type { ConfigIssue } from "./config-error.ts";
import { checkCrossReferences } from "./cross-refs.ts";
import { checkTerminalReferences, terminalProfileNames } from "./terminal-refs.ts";
import { deepFreeze } from "./freeze.ts";
import { meterKeyHint } from "./meter.ts";
import { inferProtocols } from "./protocols.ts";
import { checkSchema, type PathIssue } from "./issues.ts";
import { describeValue, formatPath } from "./messages.ts";
import { resolveConfigPaths } from "./paths.ts";
import { configSchema, type Config } from "./schema.ts";
import { configWarnings } from "./warnings.ts";
import { YamlSource } from "./yaml-source.ts";

/**
 * The meter profile names a config may use: the built-in ones plus those found in `profilesDir`
 * (absolute; undefined when `gateway.profilesDir` is not set), as a set of names or as a map from name
 * to the profile's protocol (`modbus`, `dlt645`), which lets a meter or bus leave its protocol out.
 * Supplied by the profile loader; may throw when the directory cannot be read, which is reported as an
 * error at `gateway.profilesDir`.
 */
export type ProfileNames = (
  profilesDir: string | undefined,
) => ReadonlySet<string> | ReadonlyMap<string, string>;

export interface ParseConfigOptions {
  /** Name of the source in messages, e.g. the file name; default `config.yaml`. */
  readonly sourceName?: string;
  /** Directory relative paths in the config resolve against: the config file's directory. */
  readonly baseDir: string;
  readonly profileNames: ProfileNames;
  /**
   * Checks against the host (files readable, data directory writable; see gateway/cli/host-paths.ts), run on a
   * config whose schema is valid. Absent: none, as for commands that only read the config.
   */
  readonly hostChecks?: (config: Config) => PathIssue[];
}

export type ParseConfigResult =
  | { readonly ok: true; readonly config: Config; readonly warnings: readonly ConfigIssue[] }
  | {
      readonly ok: false;
      readonly errors: readonly ConfigIssue[];
      readonly warnings: readonly ConfigIssue[];
    };

/** Parses and validates config YAML. Never throws for a bad config; every problem is in `errors`. */
export function parseConfig(text: string, options: ParseConfigOptions): ParseConfigResult {
  const source = YamlSource.parse(text);
  const yamlWarnings = source.warnings.map((warning) => ({ path: "", ...warning }));
  if (source.errors.length > 0) {
    const errors = source.errors.map((error) => ({ path: "", ...error }));
    return { ok: false, errors, warnings: yamlWarnings };
  }
  const raw = source.value;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    const found = raw === null || raw === undefined ? "it is empty" : `got ${describeValue(raw)}`;
    const name = options.sourceName ?? "config.yaml";
    const message = `${name} must be a mapping with keys gateway, buses and meters (${found})`;
    return { ok: false, errors: [{ path: "", line: 1, column: 1, message }], warnings: yamlWarnings };
  }

  const profiles = loadProfileNames(raw, options);
  const inferred = inferProtocols(raw as Readonly<Record<string, unknown>>, profiles.protocols);
  const schema = checkSchema(configSchema, inferred.value, (path, key, object) => {
    if (path.length !== 2) return undefined;
    if (path[0] === "buses") return busKeyHint(key, object);
    return path[0] === "meters" ? meterKeyHint(key, object) : undefined;
  });
  const resolved = schema.ok ? resolveConfigPaths(schema.value, options.baseDir) : undefined;
  const problems: PathIssue[] = [
    ...(schema.ok ? [] : schema.issues),
    ...profiles.issues,
    ...inferred.issues,
    ...checkCrossReferences(raw, profiles.names),
    ...checkTerminalReferences(raw as Readonly<Record<string, unknown>>, terminalProfileNames(raw, options)),
    ...(resolved === undefined ? [] : (options.hostChecks?.(resolved) ?? [])),
  ];
  const locate = (issue: PathIssue): ConfigIssue => ({
    path: formatPath(issue.path),
    ...source.locate(issue.path, issue.at),
    message: issue.message,
  });
  if (resolved === undefined || problems.length > 0) {
    return { ok: false, errors: inSourceOrder(problems.map(locate)), warnings: yamlWarnings };
  }
  const config = deepFreeze(resolved);
  const warnings = [...yamlWarnings, ...inSourceOrder(configWarnings(config).map(locate))];
  return { ok: true, config, warnings };
}

function loadProfileNames(
  raw: object,
  options: ParseConfigOptions,
): {
  names: ReadonlySet<string> | undefined;
  protocols: ReadonlyMap<string, string> | undefined;
  issues: PathIssue[];
} {
  const gateway = (raw as { gateway?: { profilesDir?: unknown } | null }).gateway;
  const dir = typeof gateway === "object" ? gateway?.profilesDir : undefined;
  const profilesDir = typeof dir === "string" && dir !== "" ? resolve(options.baseDir, dir) : undefined;
  try {
    const known = options.profileNames(profilesDir);
    if (known instanceof Set) return { names: known, protocols: undefined, issues: [] };
    const protocols = known as ReadonlyMap<string, string>;
    return { names: new Set(protocols.keys()), protocols, issues: [] };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const path = profilesDir === undefined ? ["gateway"] : ["gateway", "profilesDir"];
    const issues = [{ path, message: `cannot load meter profiles: ${reason}` }];
    return { names: undefined, protocols: undefined, issues };
  }
}

/** Sorted by line and column; issues without a position (whole file) first. Stable for equal positions. */
function inSourceOrder(issues: ConfigIssue[]): ConfigIssue[] {
  return issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}
