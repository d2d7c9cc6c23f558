/**
 * Parses, validates and looks up meter profiles; errors name the file and the field.
 * Pure: reading the files from disk is the job of ./io/files.ts (`loadProfiles`).
 */
import { basename, extname } from "node:path";
import { parse as parseYaml } from "yaml";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { modbusProfileSchema, type MeterProfile } from "./schema.ts";
import { resolveProfile, type ResolvedProfile } from "./resolve.ts";

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
