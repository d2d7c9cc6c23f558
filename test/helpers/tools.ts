/**
 * Where the external programs the integration tests drive live, and what to do when one is missing.
 * Shared by the vitest global setup (which fails the run loudly) and the helpers that spawn them.
 * Keep the list in step with test/setup/ensure-tools.sh and .ci/run.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** Programs the integration tests need, each with the Debian package that ships it. */
export const REQUIRED_TOOLS = [
  { name: "mosquitto", debianPackage: "mosquitto" },
  { name: "socat", debianPackage: "socat" },
  { name: "mbpoll", debianPackage: "mbpoll" },
  { name: "openssl", debianPackage: "openssl" },
  { name: "faketime", debianPackage: "faketime" },
  { name: "chromium", debianPackage: "chromium" },
] as const;

/** Name of one required program. */
export type ToolName = (typeof REQUIRED_TOOLS)[number]["name"];

/** The one command that installs every required tool on Debian/Ubuntu. */
export const INSTALL_COMMAND =
  "sudo apt-get update && sudo apt-get install -y mosquitto socat mbpoll openssl faketime chromium";

/**
 * Searched after PATH: Debian installs mosquitto in /usr/sbin, which a non-root PATH often lacks.
 */
const EXTRA_DIRS = ["/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/local/bin", "/usr/bin"];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Absolute path of an executable found on PATH or in the sbin directories, or undefined.
 * @param name bare program name, e.g. "mosquitto".
 */
export function findExecutable(name: string): string | undefined {
  const pathDirs = (process.env.PATH ?? "").split(delimiter).filter((dir) => dir !== "");
  for (const dir of [...pathDirs, ...EXTRA_DIRS]) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Required tools that cannot be found, in {@link REQUIRED_TOOLS} order (empty when all are present). */
export function missingTools(): ToolName[] {
  return REQUIRED_TOOLS.filter((tool) => findExecutable(tool.name) === undefined).map((tool) => tool.name);
}

/** The error message for missing tools: names each one and the install command. */
export function missingToolsMessage(missing: readonly ToolName[]): string {
  return (
    `Integration tests need these programs, which were not found on PATH or in /usr/sbin: ` +
    `${missing.join(", ")}.\nInstall them with:\n  ${INSTALL_COMMAND}`
  );
}

/**
 * Absolute path of a required tool; throws the install hint if it is missing, so a test fails loudly
 * instead of skipping.
 */
export function requireTool(name: ToolName): string {
  const path = findExecutable(name);
  if (path === undefined) throw new Error(missingToolsMessage([name]));
  return path;
}
