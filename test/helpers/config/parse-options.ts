/**
 * Test support for the config tests: the profile names the examples use. Lives under testing/ so the
 * production build can leave it out.
 */
import type { ParseConfigOptions } from "../../../gateway/config/parse.ts";

export const knownProfiles: ReadonlySet<string> = new Set(["sdm120", "sdm630", "dtsu666", "generic-prepaid"]);

export const parseOptions: ParseConfigOptions = {
  sourceName: "config.yaml",
  baseDir: "/etc/meter-gateway",
  profileNames: () => knownProfiles,
};

/** Joins lines, so a test can show the line numbers its assertions use. */
export function yamlLines(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}
