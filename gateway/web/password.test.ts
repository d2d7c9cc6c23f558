import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hashPassword, readPasswordHash, verifyPassword, writePasswordHash } from "./password.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("technician password", () => {
  it("is stored as a salted scrypt hash that verifies only the same password", async () => {
    const stored = await hashPassword("meter-room-7731");
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(stored).not.toContain("meter-room-7731");
    expect(await hashPassword("meter-room-7731")).not.toBe(stored); // a new salt each time
    expect(await verifyPassword("meter-room-7731", stored)).toBe(true);
    expect(await verifyPassword("meter-room-7732", stored)).toBe(false);
    expect(await verifyPassword("meter-room-7731", "plain text")).toBe(false);
  });

  it("is written to the data directory readable by its owner only, and read back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "password-"));
    dirs.push(dir);
    const dataDir = join(dir, "not-yet-created");
    expect(readPasswordHash(dataDir)).toBeUndefined();
    const file = writePasswordHash(dataDir, await hashPassword("correct horse"));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await verifyPassword("correct horse", readPasswordHash(dataDir)!)).toBe(true);
  });
});
