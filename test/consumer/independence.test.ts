/**
 * The consumer in test/consumer/client/ stands for a platform written from docs/mqtt.md and the published
 * schemas alone: it may import only `mqtt`, `ajv` (draft 2020-12), `node:crypto` and its own files, never
 * the gateway, protocols, simulator or core code it is meant to check.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const clientDir = fileURLToPath(new URL("./client/", import.meta.url));
const allowed = new Set(["mqtt", "ajv/dist/2020.js", "node:crypto"]);

/** Every module specifier a TypeScript file imports or re-exports (static and dynamic). */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/\b(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) found.push(match[1]!);
  return found;
}

describe("the independent consumer", () => {
  it("imports only mqtt, ajv, node:crypto and its own files", () => {
    const files = readdirSync(clientDir).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(5);
    const foreign = files.flatMap((file) =>
      specifiers(readFileSync(join(clientDir, file), "utf8"))
        .filter((s) => !allowed.has(s) && !/^\.\/[\w-]+\.ts$/.test(s))
        .map((s) => `${file}: ${s}`),
    );
    expect(foreign).toEqual([]);
  });

  it("the check sees a forbidden import", () => {
    const source = `import { x } from "../../../gateway/uplink/records.ts";\nimport "node:fs";\nconst m = await import("../helpers/index.ts");`;
    expect(specifiers(source)).toEqual([
      "../../../gateway/uplink/records.ts",
      "node:fs",
      "../helpers/index.ts",
    ]);
  });
});
