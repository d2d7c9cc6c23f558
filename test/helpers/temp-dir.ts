/**
 * Temporary directories that are removed when the test is done with them, or at the latest at the end
 * of the run: under vitest they nest in the run's temp dir, which test/setup/global.ts deletes (vitest
 * kills workers without running exit handlers); elsewhere an exit handler removes them.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A temporary directory. */
export interface TempDir {
  /** Absolute path of the directory. */
  readonly path: string;
  /** Deletes the directory and everything in it. Idempotent. */
  remove(): Promise<void>;
}

/** Environment variable naming the directory that test/setup/global.ts made for this run. */
export const RUN_TEMP_DIR_ENV = "METER_GATEWAY_TEST_TMP";

const pending = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const path of pending) rmSync(path, { recursive: true, force: true });
  });
}

/**
 * Creates a fresh directory under the run's temp dir (or the OS temp dir outside vitest). It is removed
 * by {@link TempDir.remove}, or at the end of the run if nobody removed it.
 * @param prefix start of the directory name, e.g. "mosquitto-"; letters, digits, "-" and "_" only.
 */
export async function tempDir(prefix: string): Promise<TempDir> {
  if (!/^[\w-]*$/.test(prefix))
    throw new Error(`tempDir prefix must be letters, digits, - or _: "${prefix}"`);
  installExitHook();
  const parent = process.env[RUN_TEMP_DIR_ENV] ?? tmpdir();
  const path = await mkdtemp(join(parent, `meter-gateway-${prefix}`));
  pending.add(path);
  return {
    path,
    async remove() {
      pending.delete(path);
      await rm(path, { recursive: true, force: true });
    },
  };
}
