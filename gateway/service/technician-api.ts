/**
 * The technician's commands on the local API (`POST /technician/...`), for `meter-gateway read`,
 * `relay test`, `meter swap`, `anomaly resolve`, `backup now`, `account show` and `account adjust` while the service owns the serial
 * ports. Served on 127.0.0.1 and on the Unix socket (local-socket.ts). Each action goes through the
 * operations of the MQTT commands (technician-ops.ts) and is audited like them; the answer is the
 * command's outcome with its local transaction id: `{ status: "ok", transaction, result }` or
 * `{ status: "error", code, message, transaction }` (HTTP 200 / 409; 400 for a malformed body).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { statSync } from "node:fs";
import { randomUUID } from "node:crypto";
import * as z from "zod";
import type { Logger } from "../../core/logger.ts";
import type { MeterBillingHealth } from "../billing/meter-health.ts";
import type { Config } from "../config/index.ts";
import { backup } from "../schedule/jobs.ts";
import type { Store } from "../store/index.ts";
import { auditExecuted } from "../uplink/commands/audit.ts";
import { localTransactionPrefix } from "../uplink/commands/local-source.ts";
import type { MeterDirectory } from "./ports.ts";
import type { TechnicianOps, TechnicianOutcome } from "./technician-ops.ts";

/** What the technician routes act on. */
export interface TechnicianApiDeps {
  readonly ops: TechnicianOps;
  readonly store: Store;
  readonly logger: Logger;
  readonly config: () => Config;
  readonly meters: Pick<MeterDirectory, "meter" | "readNow">;
  readonly meterHealth: (meterId: string) => MeterBillingHealth;
  /** Stores the readings collected so far now (ReadingFlow.flush), so a swap sees the new serial. */
  readonly flushReadings: () => void;
  /** Wall-clock now, epoch ms (names the backup file). */
  readonly now: () => number;
}

/** Backups kept in dataDir/backups, the daily ones and those made on request together. */
const backupsKept = 7;

const meterBody = z.strictObject({ meter: z.string().min(1).max(64) });
const reason = z.string().min(1).max(256);
const swapBody = z.strictObject({
  meter: z.string().min(1).max(64),
  newSerial: z.number().int().min(0).max(0xffffffff),
  reason,
});
const anomalyBody = z.strictObject({
  meter: z.string().min(1).max(64),
  anomaly: z.number().int().positive(),
  action: z.enum(["charge", "waive"]),
  reason,
});

const accountBody = z.strictObject({ account: z.string().min(1).max(64) });
const adjustmentBody = z.strictObject({
  account: z.string().min(1).max(64),
  amountFen: z.number().int().min(-100_000_000).max(100_000_000),
  reason,
  operator: z.string().min(1).max(64),
});

type Answer = { status: number; body: unknown };
type Route = (body: unknown) => Promise<Answer> | Answer;

/** A command's outcome as the answer: ok -> 200, refused -> 409. */
function answer<R>(outcome: TechnicianOutcome<R>): Answer {
  const { transaction } = outcome;
  return outcome.ok
    ? { status: 200, body: { status: "ok", transaction, result: outcome.result } }
    : { status: 409, body: { status: "error", code: outcome.code, message: outcome.message, transaction } };
}

/** Validates a body; a schema error is a 400 answer naming each field. */
function parse<T>(
  schema: z.ZodType<T>,
  body: unknown,
): { ok: true; value: T } | { ok: false; answer: Answer } {
  const parsed = schema.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data };
  const message = parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ");
  return { ok: false, answer: { status: 400, body: { status: "error", code: "SCHEMA", message } } };
}

/** The routes by path. */
function routes(deps: TechnicianApiDeps): Record<string, Route> {
  const { ops } = deps;
  return {
    "/technician/read": async (body) => {
      const p = parse(meterBody, body);
      if (!p.ok) return p.answer;
      return answer(await ops.readNow(p.value.meter, "cli"));
    },
    "/technician/relay-test": async (body) => {
      const p = parse(meterBody, body);
      return p.ok ? answer(await ops.relayTest(p.value.meter, "cli")) : p.answer;
    },
    "/technician/meter-swap": (body) => {
      const p = parse(swapBody, body);
      return p.ok ? meterSwap(deps, p.value) : p.answer;
    },
    "/technician/anomaly-resolve": (body) => {
      const p = parse(anomalyBody, body);
      return p.ok ? answer(ops.anomalyResolve(p.value, "cli")) : p.answer;
    },
    "/technician/backup": () => backupNow(deps),
    "/technician/account-get": async (body) => {
      const p = parse(accountBody, body);
      return p.ok ? answer(await ops.accountGet(p.value.account, "cli")) : p.answer;
    },
    "/technician/adjustment": (body) => {
      const p = parse(adjustmentBody, body);
      return p.ok ? answer(ops.adjustment(p.value, "cli")) : p.answer;
    },
  };
}

/**
 * Confirms a swap. When the gateway has not read the new meter yet (no replacement pending), it reads
 * the meter now through its bus and stores that reading first: the new serial raises the replacement
 * (new baseline, the jump not charged) and the confirmation follows at once.
 */
async function meterSwap(deps: TechnicianApiDeps, p: z.infer<typeof swapBody>): Promise<Answer> {
  if (deps.meters.meter(p.meter) !== undefined && deps.meterHealth(p.meter).replacement === undefined) {
    try {
      await deps.meters.readNow(p.meter);
      deps.flushReadings();
    } catch (error) {
      // The confirmation below then answers why nothing can be confirmed.
      deps.logger.warn({ err: error, meterId: p.meter }, "meter swap: could not read the meter first");
    }
  }
  return answer(deps.ops.meterSwap({ meter: p.meter, serial: p.newSerial, reason: p.reason }, "cli"));
}

/** A consistent copy of the database now, into dataDir/backups; audited as `backup`. */
function backupNow(deps: TechnicianApiDeps): Answer {
  const { store, logger, config } = deps;
  const transaction = `${localTransactionPrefix}${randomUUID()}`;
  let file: string;
  try {
    file = backup(store, config().gateway.dataDir, deps.now(), backupsKept, logger);
  } catch (error) {
    logger.error({ err: error }, "backup on request failed");
    const message = `backup failed: ${(error as Error).message}`;
    return { status: 500, body: { status: "error", code: "BACKUP_FAILED", message, transaction } };
  }
  store.transaction(() => auditExecuted(store, "backup", transaction, {}, "local technician (cli)"));
  return {
    status: 200,
    body: { status: "ok", transaction, result: { file, bytes: statSync(file).size, kept: backupsKept } },
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error("body too large");
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  return text.trim() === "" ? {} : (JSON.parse(text) as unknown);
}

/**
 * The technician routes as a handler for LocalHttp: answers `POST /technician/...` and resolves true,
 * or resolves false for any other request (LocalHttp goes on with its own routes).
 */
export function technicianRoutes(
  deps: TechnicianApiDeps,
): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> {
  const table = routes(deps);
  return async (req, res, path) => {
    const route = req.method === "POST" ? table[path] : undefined;
    if (route === undefined) return false;
    let body: unknown;
    try {
      body = await readJson(req);
    } catch {
      send(res, {
        status: 400,
        body: { status: "error", code: "NOT_JSON", message: "the body is not JSON" },
      });
      return true;
    }
    send(res, await route(body));
    return true;
  };
}

function send(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, { "content-type": "application/json" });
  res.end(`${JSON.stringify(answer.body)}\n`);
}
