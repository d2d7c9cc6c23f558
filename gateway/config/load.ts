/** Reading the config file at start. */
import { readFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { dirname, resolve } from "node:path";
import { ConfigError, type ConfigIssue } from "./config-error.ts";
import { parseConfig, type ParseConfigOptions, type ProfileNames } from "./parse.ts";
import type { Config } from "./schema.ts";

export interface LoadConfigOptions {
  readonly profileNames: ProfileNames;
  /** Host checks for a config about to be run; see {@link ParseConfigOptions.hostChecks}. */
  readonly hostChecks?: ParseConfigOptions["hostChecks"];
}

export interface LoadedConfig {
  readonly config: Config;
  /** Problems that do not stop the gateway; log them with {@link formatConfigErrors}. */
  readonly warnings: readonly ConfigIssue[];
}

/**
 * Reads, parses and validates the config file; relative paths in it resolve against its directory.
 * @throws ConfigError listing every problem, or the single reason the file could not be read.
 */
export async function loadConfig(filePath: string, options: LoadConfigOptions): Promise<LoadedConfig> {
  const absolute = resolve(filePath);
  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch (error) {
    throw new ConfigError([{ path: "", message: readFailure(absolute, error) }], filePath);
  }
  const result = parseConfig(text, { sourceName: filePath, baseDir: dirname(absolute), ...options });
  if (!result.ok) throw new ConfigError(result.errors, filePath);
  return { config: result.config, warnings: result.warnings };
}

/**
 * deploy/install.sh makes /etc/meter-gateway readable by root and the group meter-gateway only (it holds
 * the paths of the command key and the broker password), so a technician's own account needs one of these.
 */
const accessHint =
  "To get access, join the group meter-gateway (sudo usermod -aG meter-gateway $USER, then log in again) " +
  "or run the command with sudo";

function currentUser(): string {
  try {
    return `user ${userInfo().username}`;
  } catch {
    // A uid with no passwd entry (a container, setpriv) has no name.
    return `uid ${process.getuid?.() ?? "?"}`;
  }
}

function readFailure(file: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case "ENOENT":
      return `config file not found: ${file}`;
    case "EACCES":
    case "EPERM":
      return `cannot read config file ${file}: permission denied for ${currentUser()}. ${accessHint}`;
    case "EISDIR":
      return `${file} is a directory, not a config file`;
    default:
      return `cannot read config file ${file}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
