/**
 * The uplink's CommandExecutor on top of the prepaid operations and the buses. The uplink has already
 * authenticated, checked expiry and replay; this applies the command and says how it went.
 */
import { formatMoneyE7, tariffConfigSchema } from "../prepaid/index.ts";
import type { CommandExecutor, ExecutorErrorCode } from "../uplink/index.ts";
import { isGatewayError } from "../../core/errors.ts";
import type { Config } from "../config/index.ts";
import type { Store } from "../store/index.ts";
import type { PrepaidOperations } from "../billing/operations.ts";
import type { ClockHealth, MeterDirectory } from "./ports.ts";
import type { RelayForwarder } from "./relay-forward.ts";
import { effectiveConfig } from "./effective-config.ts";
import { terminalAnswer, terminalMessage, type TerminalCommandPorts } from "./terminal-commands.ts";
import { lifecycleExecutor } from "./lifecycle-executor.ts";

/** What the commands act on and read: the prepaid operations, the stored results, the meters, the clock. */
export interface ExecutorPorts {
  readonly operations: PrepaidOperations;
  readonly store: Pick<Store, "accounts" | "tariffs" | "lifecycle">;
  readonly meters: Pick<MeterDirectory, "meter" | "readNow">;
  readonly clock: ClockHealth;
  /** The config in force (reload replaces it). */
  readonly config: () => Config;
  /** `relay.forward` of secured commands to ESAM meters; absent: every meter is refused. */
  readonly relayForward?: RelayForwarder;
  /** Prepayment terminals (`terminal.message`, `terminal.answer`); absent: none configured. */
  readonly terminals?: TerminalCommandPorts["terminals"];
}

type Params<K extends keyof CommandExecutor> = Parameters<CommandExecutor[K]>[0];
type Result<K extends keyof CommandExecutor> = ReturnType<CommandExecutor[K]>;

const fail = (code: ExecutorErrorCode, message: string, details: Record<string, unknown>) => ({
  ok: false as const,
  code,
  message,
  details,
});

/** The uplink's executor: one method per command of the catalog. */
export function createExecutor(ports: ExecutorPorts): CommandExecutor {
  const { operations, clock } = ports;
  return {
    topup: (p) => {
      const { account, amountFen, purchaseSeq, paymentRef, orderNo } = p;
      const r = operations.topup({ account, amountFen, purchaseSeq, paymentRef, orderNo, source: "uplink" });
      return r.ok ? { ok: true, result: { account, purchaseSeq, ...r.result } } : r;
    },
    relay: (p, context) => operations.relay(p.meter, p.action, p.reason, context.transaction),
    relayForward: (p, context) =>
      ports.relayForward?.prepare(p, context.transaction) ??
      fail("NOT_SECURED_METER", `meter '${p.meter}' cannot take a secured relay command`, { meter: p.meter }),
    protect: (p) => {
      const nowMs = clock.now();
      if (p.on && p.until != null && p.until <= nowMs) {
        const message = `until ${new Date(p.until).toISOString()} is not after the gateway's clock`;
        return fail("UNTIL_PASSED", message, { untilMs: p.until, gatewayTimeMs: nowMs });
      }
      const r = operations.protect(p.account, p.on, p.reason, p.until ?? undefined);
      return r.ok
        ? { ok: true, result: { account: p.account, on: p.on, until: p.on ? (p.until ?? null) : null } }
        : r;
    },
    accountSet: (p) => accountSet(ports, p),
    tariffSet: (p) => tariffSet(ports, p),
    anomalyResolve: (p) => operations.anomalyResolve(p.meter, p.anomaly, p.action, p.reason),
    meterReplaceConfirm: (p) => operations.meterReplaceConfirm(p.meter, p.serial, p.reason),
    meterRead: (p) => meterRead(ports.meters, p),
    timeCheck: (_p, context) => {
      const wallMs = clock.now();
      const check = clock.check();
      return {
        ok: true,
        result: {
          wallMs,
          timeZone: ports.config().gateway.timezone,
          issuedAtMs: context.issuedAtMs,
          receivedAtMs: context.receivedAtMs,
          // Arrival, not answer: the gateway's own processing is left out; the wait before arrival
          // (publish, broker queue) cannot be known here and is in it (docs/mqtt.md 6.3).
          skewMs: Math.round(context.receivedAtMs - context.issuedAtMs),
          clock: check.ok ? "ok" : "suspect",
          ...(check.ok ? {} : { detail: check.detail }),
        },
      };
    },
    configGet: () => ({
      ok: true,
      result: { config: effectiveConfig(ports.config(), ports.store, ports.operations.tariffs) },
    }),
    closeNotAllowed: (p) => operations.closeNotAllowed(p.account, p.on, p.reason, clock.now()),
    terminalMessage: (p) => terminalMessage(ports, p),
    terminalAnswer: (p) => terminalAnswer(ports, p),
    ...lifecycleExecutor(operations),
  };
}

/** Applies the patch, then answers with the account's settings as stored. */
function accountSet(ports: ExecutorPorts, p: Params<"accountSet">): Result<"accountSet"> {
  const { account, ...patch } = p;
  const r = ports.operations.accountSet(account, patch);
  if (!r.ok) return r;
  const stored = ports.store.accounts.require(account);
  const t = stored.thresholds;
  return {
    ok: true,
    result: {
      account,
      tariff: stored.tariffId,
      alarm1: formatMoneyE7(t.alarm1E7),
      alarm2: formatMoneyE7(t.alarm2E7),
      overdraftLimit: formatMoneyE7(t.overdraftLimitE7),
      hoardingLimit: formatMoneyE7(t.hoardingLimitE7),
      closeAllowedMin: formatMoneyE7(t.closeAllowedMinE7),
      restoreMode: ports.operations.accountRestoreMode(account),
    },
  };
}

/** Validates the tariff as the config would, stores it, and answers with when it was stored. */
function tariffSet(ports: ExecutorPorts, p: Params<"tariffSet">): Result<"tariffSet"> {
  const parsed = tariffConfigSchema.safeParse(p.tariff);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      path: i.path.join(".") || "tariff",
      message: i.message,
    }));
    return fail("TARIFF_INVALID", issues.map((i) => `${i.path}: ${i.message}`).join("; "), { issues });
  }
  const when = { nowMs: ports.clock.now(), effectiveFromMs: p.effectiveFrom };
  const r = ports.operations.tariffSet(parsed.data, when);
  if (!r.ok) return r;
  const { id, kind } = parsed.data;
  const updatedAtMs = ports.store.tariffs.get(id)?.updatedAtMs ?? 0;
  return { ok: true, result: { ...r.result, tariff: id, kind, updatedAtMs } };
}

/** Reads the meter out of turn; a failed read is METER_UNREACHABLE with the bus error's code. */
async function meterRead(
  meters: ExecutorPorts["meters"],
  p: Params<"meterRead">,
): Promise<Awaited<Result<"meterRead">>> {
  if (meters.meter(p.meter) === undefined)
    return fail("UNKNOWN_METER", `no meter '${p.meter}'`, { meter: p.meter });
  try {
    const r = await meters.readNow(p.meter);
    return {
      ok: true,
      result: {
        meter: p.meter,
        reading: {
          wallMs: r.wallMs,
          monoMs: r.monoMs,
          values: r.values,
          ...(r.relayClosed === undefined ? {} : { relayClosed: r.relayClosed }),
        },
      },
    };
  } catch (error) {
    const code = isGatewayError(error) ? error.code : "UNKNOWN";
    const message = isGatewayError(error) ? `${error.code}: ${error.message}` : String(error);
    return fail("METER_UNREACHABLE", message, { meter: p.meter, error: code });
  }
}
