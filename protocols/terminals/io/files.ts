/**
 * The file-reading edge of terminal profiles: the shipped ones under
 * protocols/profiles/builtin/terminals. Parsing stays pure in ../profile.ts; only this module reads
 * files (the layer rules allow I/O in protocols/ only in io/ and transport/ folders).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseTerminalProfile, type TerminalProfile } from "../profile.ts";

/** Directory of the shipped terminal profiles (copied beside the compiled code by `npm run build`). */
export const builtinTerminalProfilesDir = fileURLToPath(
  new URL("../../profiles/builtin/terminals", import.meta.url),
);

/** Terminal profiles by id: the shipped ones, then those of `userDir` (which replace a shipped id). */
export function loadTerminalProfiles(userDir?: string): ReadonlyMap<string, TerminalProfile> {
  const registry = new Map<string, TerminalProfile>();
  for (const dir of [builtinTerminalProfilesDir, ...(userDir === undefined ? [] : [userDir])]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      if (![".yaml", ".yml"].includes(extname(name))) continue;
      const file = join(dir, name);
      const profile = parseTerminalProfile(readFileSync(file, "utf8"), file);
      registry.set(profile.id, profile);
    }
  }
  return registry;
}
