/** Loads the config file for CLI commands, with profile names from the profile registry. */
import { loadConfig, type LoadedConfig } from "../config/index.ts";
import { hostPathIssues } from "./host-paths.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";

/** Profile name -> protocol, so a config may leave a meter's or bus's protocol to its profile. */
export function profileNames(profilesDir: string | undefined): ReadonlyMap<string, string> {
  return new Map([...loadProfiles(profilesDir)].map(([id, profile]) => [id, profile.protocol]));
}

/**
 * @param options.checkHost also check that the files the config names are readable and the data directory
 *   writable, as `run` needs (check-config and run); other commands only read the config.
 */
export function loadConfigFile(file: string, options: { checkHost?: boolean } = {}): Promise<LoadedConfig> {
  return loadConfig(file, {
    profileNames,
    ...(options.checkHost === true ? { hostChecks: hostPathIssues } : {}),
  });
}
