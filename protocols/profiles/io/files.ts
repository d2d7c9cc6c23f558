/**
 * The file-reading edge of meter profiles: the shipped ones under ../builtin and a user directory
 * named in config. Parsing and validation stay pure in ../load.ts; this module only reads files,
 * which is why it sits in io/ (the layer rules allow I/O in protocols/ only there and in transport/).
 */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ErrorCode, GatewayError } from "../../../core/errors.ts";
import { parseProfile, type LoadedProfile, type ProfileRegistry } from "../load.ts";

/** Directory of the profiles shipped with the gateway (copied beside the compiled code by `npm run build`). */
export const builtinProfilesDir = fileURLToPath(new URL("../builtin", import.meta.url));

const profileExtensions = new Set([".yaml", ".yml", ".json"]);

function loadDir(dir: string): LoadedProfile[] {
  if (!existsSync(dir)) {
    throw new GatewayError(ErrorCode.ProfileInvalid, `profile directory ${dir} does not exist`, { dir });
  }
  return readdirSync(dir)
    .filter((name) => profileExtensions.has(extname(name)))
    .sort()
    .map((name) => {
      const file = join(dir, name);
      return parseProfile(readFileSync(file, "utf8"), file);
    });
}

/**
 * The profile registry: shipped profiles plus those in `userDir`. A user profile with a shipped
 * profile's id replaces it (a site can correct a register map without a release).
 */
export function loadProfiles(userDir?: string): ProfileRegistry {
  const registry = new Map<string, LoadedProfile>();
  for (const profile of loadDir(builtinProfilesDir)) registry.set(profile.id, profile);
  if (userDir !== undefined) for (const profile of loadDir(userDir)) registry.set(profile.id, profile);
  return registry;
}
