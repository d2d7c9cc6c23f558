/**
 * The uplink's CommandExecutor on top of the prepaid operations and the buses. The uplink has already
 * authenticated, checked expiry and replay; this applies the command and says how it went.
 */
import { formatMoneyE7, tariffConfigSchema } from "../prepaid/index.ts";
import type { CommandExecutor, ExecutorErrorCode } from "../uplink/index.ts";
import { isGatewayError } from "../../core/errors.ts";
import type { Gateway } from "./gateway.ts";

export function createExecutor(gateway: Gateway): CommandExecutor {
  const fail = (code: ExecutorErrorCode, message: string) => ({ ok: false as const, code, message });
  return {
    topup: (p) => {
      const r = gateway.operations.topup({
        account: p.account,
        amountFen: p.amountFen,
        purchaseSeq: p.purchaseSeq,
        paymentRef: p.paymentRef,
        source: "uplink",
      });
      return r.ok
        ? {
            ok: true,
            result: {
              status: r.result.status,
              account: p.account,
              purchaseSeq: p.purchaseSeq,
              balance: r.result.balance,
            },
          }
        : r;
    },
    relay: (p, context) => gateway.operations.relay(p.meter, p.action, p.reason, context.transaction),
    protect: (p) => {
      const r = gateway.operations.protect(p.account, p.on, p.reason, p.until ?? undefined);
      return r.ok
        ? { ok: true, result: { account: p.account, on: p.on, until: p.on ? (p.until ?? null) : null } }
        : r;
    },
    accountSet: (p) => {
      const { account, ...patch } = p;
      const r = gateway.operations.accountSet(account, patch);
      if (!r.ok) return r;
      const stored = gateway.store.accounts.require(account);
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
        },
      };
    },
    tariffSet: (p) => {
      const parsed = tariffConfigSchema.safeParse(p.tariff);
      if (!parsed.success) {
        return fail(
          "TARIFF_INVALID",
          parsed.error.issues.map((i) => `${i.path.join(".") || "tariff"}: ${i.message}`).join("; "),
        );
      }
      const r = gateway.operations.tariffSet(parsed.data);
      if (!r.ok) return r;
      return {
        ok: true,
        result: {
          tariff: parsed.data.id,
          kind: parsed.data.kind,
          updatedAtMs: gateway.store.tariffs.get(parsed.data.id)?.updatedAtMs ?? 0,
        },
      };
    },
    anomalyResolve: (p) => gateway.operations.anomalyResolve(p.meter, p.anomaly, p.action, p.reason),
    meterReplaceConfirm: (p) => gateway.operations.meterReplaceConfirm(p.meter, p.serial, p.reason),
    meterRead: async (p) => {
      if (gateway.buses.meter(p.meter) === undefined) return fail("UNKNOWN_METER", `no meter '${p.meter}'`);
      try {
        const r = await gateway.buses.readNow(p.meter);
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
        return fail(
          "METER_UNREACHABLE",
          isGatewayError(error) ? `${error.code}: ${error.message}` : String(error),
        );
      }
    },
    timeCheck: (_p, context) => {
      const wallMs = gateway.clockNow();
      const check = gateway.clockCheck();
      return {
        ok: true,
        result: {
          wallMs,
          timeZone: gateway.config.gateway.timezone,
          skewMs: Math.round(wallMs - context.issuedAtMs),
          clock: check.ok ? "ok" : "suspect",
          ...(check.ok ? {} : { detail: check.detail }),
        },
      };
    },
    configGet: () => ({
      ok: true,
      result: { config: JSON.parse(JSON.stringify(gateway.config)) as Record<string, unknown> },
    }),
  };
}
