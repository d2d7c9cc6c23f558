/**
 * Parses, validates and looks up meter profiles; errors name the file and the field.
 * Pure: reading the files from disk is the job of ./io/files.ts (`loadProfiles`).
 */
import { basename, extname } from "node:path";
import { parse as parseYaml } from "yaml";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { dlt645ProfileSchema } from "./dlt645-schema.ts";
import { resolveDlt645Profile, type ResolvedDlt645Profile } from "./dlt645-resolve.ts";
import { modbusProfileSchema } from "./schema.ts";
import { resolveProfile, type ResolvedProfile } from "./resolve.ts";

/** A loaded profile of either protocol; narrow on `protocol`. */
export type LoadedProfile = ResolvedProfile | ResolvedDlt645Profile;

/** Profiles by id, as `loadProfiles` returns them. */
export type ProfileRegistry = ReadonlyMap<string, LoadedProfile>;

/**
 * Parses and validates one profile document, Modbus (`protocol: modbus` or none) or DL/T 645
 * (`protocol: dlt645`); throws GatewayError(ProfileInvalid) naming the fields.
 */
export function parseProfile(text: string, sourceName: string): LoadedProfile {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new GatewayError(ErrorCode.ProfileInvalid, `${sourceName}: not valid YAML/JSON: ${String(error)}`, {
      source: sourceName,
    });
  }
  const isDlt645 = (data as { protocol?: unknown } | null)?.protocol === "dlt645";
  const result = isDlt645 ? dlt645ProfileSchema.safeParse(data) : modbusProfileSchema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
    throw new GatewayError(ErrorCode.ProfileInvalid, `${sourceName}: ${problems.join("; ")}`, {
      source: sourceName,
      problems,
    });
  }
  const profile = result.data;
  const expected = basename(sourceName, extname(sourceName));
  if (sourceName !== "(inline)" && profile.id !== expected) {
    throw new GatewayError(
      ErrorCode.ProfileInvalid,
      `${sourceName}: id '${profile.id}' must match the file name '${expected}'`,
      { source: sourceName },
    );
  }
  return profile.protocol === "dlt645"
    ? resolveDlt645Profile(profile, sourceName)
    : resolveProfile(profile, sourceName);
}

/** Looks a profile of any protocol up, with an error that lists the known ones. */
export function lookupProfile(registry: ProfileRegistry, id: string): LoadedProfile {
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

/** Looks a Modbus profile up; a DL/T 645 profile under that id is an error naming its protocol. */
export function requireProfile(registry: ProfileRegistry, id: string): ResolvedProfile {
  const profile = lookupProfile(registry, id);
  if (profile.protocol !== "modbus") throw wrongProtocol(id, profile.protocol, "modbus");
  return profile;
}

/** Looks a DL/T 645 profile up; a Modbus profile under that id is an error naming its protocol. */
export function requireDlt645Profile(registry: ProfileRegistry, id: string): ResolvedDlt645Profile {
  const profile = lookupProfile(registry, id);
  if (!isDlt645Profile(profile)) throw wrongProtocol(id, profile.protocol, "dlt645");
  return profile;
}

/**
 * True for a DL/T 645 profile with its DI read plan. (The simulator's synthetic profiles of DL/T 645
 * meters say `protocol: dlt645` but carry no DIs: they are not.)
 */
export function isDlt645Profile(profile: LoadedProfile): profile is ResolvedDlt645Profile {
  return profile.protocol === "dlt645" && "singles" in profile;
}

function wrongProtocol(id: string, has: string, wanted: string): GatewayError {
  return new GatewayError(ErrorCode.ProfileInvalid, `profile '${id}' is a ${has} profile, not ${wanted}`, {
    profile: id,
  });
}
