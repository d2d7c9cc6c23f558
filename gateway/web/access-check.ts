/**
 * What `run` and `check-config` check of the web page's access before starting: a page beyond this
 * machine (`http.listen` on a non-loopback address) needs the technician password, and its TLS files
 * must be readable. Reported at the key that names them, like the other host checks.
 */
import { readFileSync } from "node:fs";
import type { PathIssue } from "../config/issues.ts";
import type { Config } from "../config/schema.ts";
import { isLoopback, listenAddress } from "../config/http.ts";
import { passwordFile, readPasswordHash } from "./password.ts";

/** Every problem with the `http` section on this host; empty when the page may start. */
export function webAccessIssues(config: Pick<Config, "gateway" | "http">): PathIssue[] {
  const issues: PathIssue[] = [];
  const http = config.http;
  if (http?.listen !== undefined) {
    const problem = lanWithoutPassword(http.listen, config.gateway.dataDir);
    if (problem !== undefined) issues.push({ path: ["http", "listen"], message: problem });
  }
  for (const key of ["cert", "key"] as const) {
    const file = http?.tls?.[key];
    if (file === undefined) continue;
    try {
      readFileSync(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      issues.push({ path: ["http", "tls", key], message: `cannot read ${file} (${code})` });
    }
  }
  return issues;
}

/** Why listening on `listen` is refused now (no password for a non-loopback address), or undefined. */
export function lanWithoutPassword(listen: string, dataDir: string): string | undefined {
  const { host } = listenAddress(listen);
  if (isLoopback(host) || readPasswordHash(dataDir) !== undefined) return undefined;
  return (
    `listening on ${listen} opens the web page beyond this machine, which needs the technician password; ` +
    `none is set (${passwordFile(dataDir)}): run meter-gateway passwd -c <config file>`
  );
}
