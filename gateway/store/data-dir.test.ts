import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir, type TempDir } from "../../test/helpers/index.ts";
import { dataDirProblem, ensureDataDir } from "./data-dir.ts";

let dir: TempDir | undefined;
afterAll(async () => dir?.remove());

describe("data directory", () => {
  it("creates missing levels one at a time and accepts an existing directory", async () => {
    dir = await tempDir("data-dir-");
    const nested = join(dir.path, "a", "b", "c");
    expect(dataDirProblem(nested)).toBeUndefined();
    ensureDataDir(nested);
    ensureDataDir(nested);
    expect(dataDirProblem(nested)).toBeUndefined();
  });

  it("refuses /proc at once, naming the field, instead of looping in mkdir", () => {
    const started = performance.now();
    expect(() => ensureDataDir("/proc/nope/deeper")).toThrow(
      "gateway.dataDir: /proc/nope/deeper cannot be created: /proc is on a proc file system, not a disk",
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(dataDirProblem("/proc")).toBe("/proc is on a proc file system, not a disk");
  });

  it("names the plain file that stands where a directory should be", async () => {
    dir ??= await tempDir("data-dir-");
    const file = join(dir.path, "plain");
    writeFileSync(file, "x");
    expect(dataDirProblem(join(file, "data"))).toBe(
      `${join(file, "data")} cannot be created: ${file} is not a directory`,
    );
    expect(dataDirProblem(file)).toBe(`${file} is not a directory`);
  });
});
