/**
 * Checking and creating the data directory without trusting `mkdir -p`: Node's recursive mkdirSync loops
 * forever (100 % CPU) where mkdir keeps answering ENOENT for an existing parent, as it does under /proc.
 * The check walks up to the nearest existing ancestor (bounded by the path's depth) and wants a writable
 * directory on a disk file system there; creation then makes the missing levels one at a time.
 */
import { accessSync, constants, mkdirSync, statSync, statfsSync, type Stats } from "node:fs";
import { userInfo } from "node:os";
import { dirname, resolve } from "node:path";
import { ErrorCode, GatewayError } from "../../core/errors.ts";

/** Kernel file systems that are not storage (statfs f_type, linux/magic.h). */
const pseudoFileSystems: ReadonlyMap<number, string> = new Map([
  [0x9fa0, "proc"],
  [0x62656572, "sysfs"],
  [0x1cd1, "devpts"],
  [0x27e0eb, "cgroup"],
  [0x63677270, "cgroup2"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0x73636673, "securityfs"],
  [0xcafe4a11, "bpf"],
  [0x6165676c, "pstore"],
  [0x62656570, "configfs"],
  [0xde5e81e4, "efivarfs"],
  [0xf97cff8c, "selinuxfs"],
  [0x65735543, "fusectl"],
  [0x42494e4d, "binfmt_misc"],
  [0x19800202, "mqueue"],
]);

/** Deeper than any real path; bounds the walk up even on a path the kernel keeps answering oddly. */
const maxDepth = 256;

/** The nearest existing ancestor of `dir` (or `dir` itself) and the levels below it that are missing. */
function nearestExisting(dir: string): { path: string; stats: Stats; missing: string[] } | string {
  const missing: string[] = [];
  let current = resolve(dir);
  for (let depth = 0; depth < maxDepth; depth++) {
    try {
      return { path: current, stats: statSync(current), missing };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOTDIR: a level above is a plain file; keep walking to name it.
      if (code !== "ENOENT" && code !== "ENOTDIR") return `cannot inspect ${current} (${code ?? "error"})`;
    }
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return `no existing directory found above ${dir}`;
}

/** Who is asking: the check runs as the user that will run the gateway (systemd's ExecStartPre). */
function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? "?"}`;
  }
}

/** Why `path` (an existing directory) cannot take files, or undefined when it can. */
function unwritableReason(path: string): string | undefined {
  try {
    const type = pseudoFileSystems.get(statfsSync(path).type);
    if (type !== undefined) return `${path} is on a ${type} file system, not a disk`;
    accessSync(path, constants.W_OK | constants.X_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EROFS") return `${path} is on a read-only file system`;
    if (code === "EACCES" || code === "EPERM")
      return `${path} cannot be written by user ${userName()} (permission denied)`;
    return `cannot check ${path} (${code ?? String(error)})`;
  }
}

/**
 * Why `dir` cannot hold the gateway's data, in plain words, or undefined when it exists and is writable
 * or can be created. Reads only; never creates anything.
 */
export function dataDirProblem(dir: string): string | undefined {
  const found = nearestExisting(dir);
  if (typeof found === "string") return found;
  const prefix = found.missing.length === 0 ? "" : `${resolve(dir)} cannot be created: `;
  if (!found.stats.isDirectory()) return `${prefix}${found.path} is not a directory`;
  const reason = unwritableReason(found.path);
  return reason === undefined ? undefined : `${prefix}${reason}`;
}

/**
 * Makes sure `dir` exists and is writable, creating missing levels one at a time.
 * @param field config key named in the error, default `gateway.dataDir`
 * @throws GatewayError(ConfigInvalid) `gateway.dataDir: <why>`
 */
export function ensureDataDir(dir: string, field = "gateway.dataDir"): void {
  const problem = dataDirProblem(dir);
  if (problem !== undefined) throw new GatewayError(ErrorCode.ConfigInvalid, `${field}: ${problem}`, { dir });
  const found = nearestExisting(dir);
  if (typeof found === "string") return;
  for (const level of found.missing) {
    try {
      mkdirSync(level);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST") continue;
      throw new GatewayError(
        ErrorCode.ConfigInvalid,
        `${field}: cannot create ${level} (${code ?? "error"})`,
        {
          dir,
        },
      );
    }
  }
}
