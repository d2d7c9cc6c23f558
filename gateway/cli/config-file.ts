/** Loads the config file for CLI commands, with profile names from the profile registry. */
import { loadConfig, type LoadedConfig } from "../config/index.ts";
import { loadProfiles } from "../../protocols/profiles/load.ts";

export function profileNames(profilesDir: string | undefined): ReadonlySet<string> {
  return new Set(loadProfiles(profilesDir).keys());
}

export function loadConfigFile(file: string): Promise<LoadedConfig> {
  return loadConfig(file, { profileNames });
}
