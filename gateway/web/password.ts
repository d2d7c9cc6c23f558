/**
 * The technician password of the web page: stored hashed with scrypt (node:crypto) in the data
 * directory, never in the config (which is often shared or copied), set by `meter-gateway passwd`.
 * The file holds one line `scrypt$N$r$p$salt$hash` (salt and hash base64), mode 0600.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The password file's name inside `gateway.dataDir`. */
export const passwordFileName = "technician-password";

/** scrypt cost: N = 2^14, r = 8, p = 1 (about 16 MiB and 50 ms on a Pi-class CPU per sign-in). */
const cost = { N: 16_384, r: 8, p: 1 } as const;
const keyBytes = 32;
/** Shortest password accepted, characters. */
export const minPasswordLength = 8;

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password, salt, keyBytes, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error === null ? resolve(key) : reject(error),
    ),
  );
}

/** The stored form of `password`: `scrypt$N$r$p$salt$hash`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, cost);
  return ["scrypt", cost.N, cost.r, cost.p, salt.toString("base64"), key.toString("base64")].join("$");
}

/** Whether `password` matches the stored form; false for a malformed one. Constant-time compare. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.trim().split("$");
  if (scheme !== "scrypt" || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, "base64");
  if (expected.length !== keyBytes) return false;
  const key = await scrypt(password, Buffer.from(salt, "base64"), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return timingSafeEqual(key, expected);
}

/** Path of the password file for `dataDir`. */
export function passwordFile(dataDir: string): string {
  return join(dataDir, passwordFileName);
}

/** The stored hash, or undefined when no password was set (or the file cannot be read). */
export function readPasswordHash(dataDir: string): string | undefined {
  try {
    const text = readFileSync(passwordFile(dataDir), "utf8").trim();
    return text === "" ? undefined : text;
  } catch {
    return undefined;
  }
}

/**
 * Writes the hash atomically (temp file, then rename), readable by its owner only; creates the data
 * directory first when the password is set before the service ever ran (an installer does).
 */
export function writePasswordHash(dataDir: string, hash: string): string {
  mkdirSync(dataDir, { recursive: true });
  const file = passwordFile(dataDir);
  const temp = `${file}.tmp`;
  writeFileSync(temp, `${hash}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
  return file;
}
