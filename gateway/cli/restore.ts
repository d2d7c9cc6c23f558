/**
 * `meter-gateway restore -c FILE BACKUP`: puts a backup in place of the gateway's database, with the
 * service stopped. It takes the data directory's lock for the whole restore (so the service can neither
 * be running nor start meanwhile), verifies the backup first (gateway/store/restore.ts), keeps the
 * current database under backups/, and records the restore in the restored database's audit trail
 * (`command.executed` restore, published to the platform with the rest). Run as root, it hands the
 * files back to the data directory's owner so the service can open them.
 */
import { randomUUID } from "node:crypto";
import { chownSync, existsSync, mkdirSync, statSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { SystemClock } from "../../core/clock.ts";
import { ErrorCode, GatewayError, isGatewayError } from "../../core/errors.ts";
import { DataDirLock } from "../service/lock.ts";
import { openStore } from "../store/index.ts";
import { restoreDatabase, verifyBackup, type VerifiedBackup } from "../store/restore.ts";
import { auditExecuted } from "../uplink/commands/audit.ts";
import { localTransactionPrefix } from "../uplink/commands/local-source.ts";
import { loadConfigFile } from "./config-file.ts";
import { UsageError } from "./output.ts";

interface RestoreOptions {
  config: string;
  yes?: boolean;
}

const say = (text: string) => process.stdout.write(`${text}\n`);

/** The data directory's lock, or a plain "stop the service first". */
function lockFor(dataDir: string): DataDirLock {
  try {
    mkdirSync(dataDir, { recursive: true });
    return DataDirLock.acquire(dataDir);
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    if (errno === "EACCES" || errno === "EPERM")
      throw new GatewayError(
        ErrorCode.PortPermissionDenied,
        `permission denied in ${dataDir}: restore as root (sudo meter-gateway restore ...); nothing was changed`,
      );
    const owner = isGatewayError(error) ? error.context["owner"] : undefined;
    if (typeof owner !== "number") throw error;
    throw new UsageError(
      `the gateway service is running (pid ${owner}): stop it first (systemctl stop meter-gateway), restore, then start it again; nothing was changed`,
    );
  }
}

async function confirmed(
  backup: VerifiedBackup,
  dataDir: string,
  yes: boolean | undefined,
): Promise<boolean> {
  if (yes === true) return true;
  if (process.stdin.isTTY !== true)
    throw new UsageError("restore replaces the ledger: confirm with --yes (there is no terminal to ask on)");
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const question = `Replace the database in ${dataDir} with ${backup.file}? Balances and top-ups go back to the backup's. [y/N] `;
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** Audits the restore in the restored database (migrating it if it is older), then closes it. */
function auditRestore(dataDir: string, transaction: string): void {
  const store = openStore({ dataDir, clock: new SystemClock() });
  try {
    store.transaction(() => auditExecuted(store, "restore", transaction, {}, "local technician (cli)"));
  } finally {
    store.close();
  }
}

/** Root restores files the service (another user) must open: give them the data directory's owner. */
function handBack(dataDir: string, files: readonly (string | undefined)[]): void {
  if (process.getuid?.() !== 0) return;
  const { uid, gid } = statSync(dataDir);
  for (const file of files)
    for (const suffix of ["", "-wal", "-shm"])
      if (file !== undefined && existsSync(`${file}${suffix}`)) chownSync(`${file}${suffix}`, uid, gid);
}

async function restore(backupFile: string, options: RestoreOptions): Promise<void> {
  const { config } = await loadConfigFile(options.config);
  const { dataDir } = config.gateway;
  const lock = lockFor(dataDir);
  try {
    const backup = verifyBackup(backupFile);
    say(
      `backup ${backup.file}: integrity ok, schema version ${backup.schemaVersion}` +
        (backup.schemaVersion < backup.latestVersion
          ? ` (migrated to ${backup.latestVersion} at the next start)`
          : ""),
    );
    if (!(await confirmed(backup, dataDir, options.yes))) {
      say("restore cancelled: nothing was changed");
      return;
    }
    const stamp = new Date().toISOString().replace(/[-:]/g, "").slice(0, 15);
    const result = restoreDatabase(dataDir, backup, stamp);
    const transaction = `${localTransactionPrefix}${randomUUID()}`;
    auditRestore(dataDir, transaction);
    handBack(dataDir, [result.database, result.replacedBy]);
    say(`restored ${result.database} from ${backup.file} (transaction ${transaction})`);
    if (result.replacedBy !== undefined) say(`the database it replaced is kept as ${result.replacedBy}`);
    say("start the service again: systemctl start meter-gateway");
  } finally {
    lock.release();
  }
}

/** Registers `restore BACKUP`. */
export function registerRestore(program: Command): void {
  program
    .command("restore")
    .description("replace the database with a verified backup (the service must be stopped)")
    .argument("<backup>", "backup file, e.g. <dataDir>/backups/gateway-20261201T033000.db")
    .requiredOption("-c, --config <file>", "config file (YAML)")
    .option("--yes", "do not ask for confirmation")
    .action(restore);
}
