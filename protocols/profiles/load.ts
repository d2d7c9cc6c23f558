/**
 * Loads meter profiles: the shipped ones under ./builtin and a user directory named in config.
 * Every file is validated; errors name the file and the field.
 */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { modbusProfileSchema, type MeterProfile } from "./schema.ts";
import { resolveProfile, type ResolvedProfile } from "./resolve.ts";

/** Directory of the profiles shipped with the gateway (copied beside the compiled code by `npm run build`). */
export const builtinProfilesDir = fileURLToPath(new URL("./builtin", import.meta.url));

const profileExtensions = new Set([".yaml", ".yml", ".json"]);

/** Parses and validates one profile document; throws GatewayError(ProfileInvalid) naming the fields. */
export function parseProfile(text: string, sourceName: string): ResolvedProfile {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new GatewayError(ErrorCode.ProfileInvalid, `${sourceName}: not valid YAML/JSON: ${String(error)}`, {
      source: sourceName,
    });
  }
  const result = modbusProfileSchema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
    throw new GatewayError(ErrorCode.ProfileInvalid, `${sourceName}: ${problems.join("; ")}`, {
      source: sourceName,
      problems,
    });
  }
  const profile: MeterProfile = result.data;
  const expected = basename(sourceName, extname(sourceName));
  if (sourceName !== "(inline)" && profile.id !== expected) {
    throw new GatewayError(
      ErrorCode.ProfileInvalid,
      `${sourceName}: id '${profile.id}' must match the file name '${expected}'`,
      { source: sourceName },
    );
  }
  return resolveProfile(profile, sourceName);
}

function loadDir(dir: string): ResolvedProfile[] {
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
export function loadProfiles(userDir?: string): ReadonlyMap<string, ResolvedProfile> {
  const registry = new Map<string, ResolvedProfile>();
  for (const profile of loadDir(builtinProfilesDir)) registry.set(profile.id, profile);
  if (userDir !== undefined) for (const profile of loadDir(userDir)) registry.set(profile.id, profile);
  return registry;
}

/** Looks a profile up, with an error that lists the known ones. */
export function requireProfile(registry: ReadonlyMap<string, ResolvedProfile>, id: string): ResolvedProfile {
  const profile = registry.get(id);
  if (profile === undefined) {
    throw new GatewayError(
      ErrorCode.ProfileInvalid,
      `unknown profile '${id}' (known: ${[...registry.keys()].join(", ")})`,
      { profile: id },
    );
  }
  return profile;
}
