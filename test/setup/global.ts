/**
 * Vitest global setup, run once in the main vitest process before any worker starts.
 * - Integration tests drive real mosquitto, socat, mbpoll and openssl binaries. If one is missing the
 *   whole run fails here, naming it and the install command; no test skips. (`npm test` runs
 *   test/setup/ensure-tools.sh first, which installs them when it can.)
 * - Makes one temp dir for the run, which the helpers' tempDir() nests under and which is deleted at
 *   the end: vitest kills its workers without running their exit handlers, so they cannot clean up.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RUN_TEMP_DIR_ENV } from "../helpers/temp-dir.ts";
import { missingTools, missingToolsMessage } from "../helpers/tools.ts";

export default function setup(): () => void {
  const missing = missingTools();
  if (missing.length > 0) throw new Error(missingToolsMessage(missing));

  const runDir = mkdtempSync(join(tmpdir(), "meter-gateway-test-run-"));
  // Workers are forked after global setup and inherit this environment.
  process.env[RUN_TEMP_DIR_ENV] = runDir;
  return () => {
    rmSync(runDir, { recursive: true, force: true });
  };
}
