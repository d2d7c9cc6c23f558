/**
 * The Meters and Meter detail pages' data. Money is shown as yuan with two decimals (rounded down, so
 * a balance shown never overstates credit) and kept exact beside it; times are epoch ms.
 */
import { e7ToFen, formatMoneyE7, formatScaled } from "../prepaid/index.ts";
import type { SupplyView } from "../billing/supply-view.ts";
import type { MeterStatus } from "../service/status-report.ts";
import type { WebSources } from "./sources.ts";

/** Yuan with two decimals, e.g. `12.34`, rounded toward minus infinity. */
export function yuan2(amountE7: number): string {
  return formatScaled(e7ToFen(amountE7, "floor"), 2);
}

export interface MeterRow {
  id: string;
  bus: string;
  /** Modbus unit id, or null on a DL/T 645 meter (see `address`). */
  unit: number | null;
  /** DL/T 645 address (12 digits), or null on a Modbus meter. */
  address: string | null;
  account: string | null;
  serial: number | null;
  state: string;
  powerW: number | null;
  energyWh: number | null;
  /** Yuan, two decimals; `balanceExact` keeps every decimal. */
  balance: string | null;
  balanceExact: string | null;
  alarm: SupplyView["alarm"];
  relay: "open" | "closed" | null;
  /** "commanded closed, reads open (re-driven 2 times)" when the relay does not follow its command. */
  relayDisobeys: string | null;
  protected: SupplyView["protected"];
  cut: SupplyView["cut"];
  /** Readings held (not billed) now, and held energy jumps. */
  held: { readings: number; sinceMs: number | null; jumps: Array<{ anomaly: number; energyWh: number }> };
  replacement: { oldSerial: number; newSerial: number } | null;
  lastError: string | null;
  lastSeenMs: number | null;
}

function row(sources: WebSources, m: MeterStatus): MeterRow {
  const supply = sources.supply(m.id);
  const account = m.account === null ? undefined : sources.history.accounts.get(m.account);
  const { billing } = m;
  const disobeys = billing.relayDisobeys;
  return {
    id: m.id,
    bus: m.bus,
    unit: m.unit ?? null,
    address: m.address ?? null,
    account: m.account,
    serial: supply.serial,
    state: m.state,
    powerW: m.powerW,
    energyWh: m.importEnergyWh,
    balance: account === undefined ? null : yuan2(account.balanceE7),
    balanceExact: account === undefined ? null : formatMoneyE7(account.balanceE7),
    alarm: supply.alarm,
    relay: m.relay,
    relayDisobeys:
      disobeys === null
        ? null
        : `does not follow its command: commanded ${disobeys.expected}, reads ${disobeys.actual} (re-driven ${disobeys.redrives} times)`,
    protected: supply.protected,
    cut: supply.cut,
    held: {
      readings: billing.heldReadings?.readings ?? 0,
      sinceMs: billing.heldReadings?.sinceMs ?? null,
      jumps: billing.heldJumps,
    },
    replacement:
      billing.replacement === null
        ? null
        : { oldSerial: billing.replacement.oldSerial, newSerial: billing.replacement.newSerial },
    lastError: m.lastError,
    lastSeenMs: m.lastSeenMs,
  };
}

/** One row per meter of the running config. */
export function metersView(sources: WebSources): { nowMs: number; meters: MeterRow[] } {
  const status = sources.status.snapshot();
  return { nowMs: sources.clock.now(), meters: status.meters.map((m) => row(sources, m)) };
}

/** Points the chart draws at most; 24 h of 10 s polls are thinned to this by taking every n-th. */
const maxChartPoints = 720;
const dayMs = 24 * 60 * 60 * 1000;

export interface MeterDetailView {
  meter: MeterRow;
  /** The last 24 h: seconds since epoch (uPlot's x), power W and import energy kWh per reading. */
  chart: { t: number[]; powerW: Array<number | null>; energyKWh: number[] };
  balance: Array<{ atMs: number; kind: string; amount: string; balanceAfter: string }>;
  relayOps: Array<{
    id: number;
    action: string;
    reason: string;
    requestedBy: string;
    requestedAtMs: number;
    result: string | null;
    readback: string | null;
    completedAtMs: number | null;
  }>;
  events: Array<{ id: number; atMs: number; type: string; severity: string; message: string }>;
}

/** The meter's page; undefined for a meter the running config does not have. */
export function meterDetailView(sources: WebSources, meterId: string): MeterDetailView | undefined {
  const status = sources.status.snapshot().meters.find((m) => m.id === meterId);
  if (status === undefined) return undefined;
  const { readings, ledger, relayOps } = sources.history;
  const since = sources.clock.now() - dayMs;
  const stored = readings.forMeterSince(meterId, since, 10_000);
  const step = Math.max(1, Math.ceil(stored.length / maxChartPoints));
  const points = stored.filter((_, i) => i % step === 0 || i === stored.length - 1);
  return {
    meter: row(sources, status),
    chart: {
      t: points.map((r) => r.atMs / 1000),
      powerW: points.map((r) => r.powerW ?? null),
      energyKWh: points.map((r) => r.energyWh / 1000),
    },
    balance:
      status.account === null
        ? []
        : ledger.recentForAccount(status.account, 100).map((e) => ({
            atMs: e.atMs,
            kind: e.kind,
            amount: formatMoneyE7(e.amountE7),
            balanceAfter: yuan2(e.balanceAfterE7),
          })),
    relayOps: relayOps.forMeter(meterId, 50).map((op) => ({
      id: op.id,
      action: op.action,
      reason: op.reason,
      requestedBy: op.requestedBy,
      requestedAtMs: op.requestedAtMs,
      result: op.result,
      readback: op.readback,
      completedAtMs: op.completedAtMs,
    })),
    events: eventsView(sources, { meterId, limit: 100 }).events,
  };
}

/** The Events page: the latest events matching the filters, newest first. */
export function eventsView(
  sources: WebSources,
  filter: { meterId?: string; type?: string; severity?: string; beforeId?: number; limit: number },
): {
  events: Array<{
    id: number;
    atMs: number;
    type: string;
    severity: string;
    meter: string | null;
    account: string | null;
    message: string;
  }>;
} {
  const severity = ["info", "warning", "alarm", "critical"].includes(filter.severity ?? "")
    ? (filter.severity as "info" | "warning" | "alarm" | "critical")
    : undefined;
  const events = sources.history.events.recent({
    ...(filter.meterId === undefined ? {} : { meterId: filter.meterId }),
    ...(filter.type === undefined ? {} : { type: filter.type }),
    ...(severity === undefined ? {} : { severity }),
    ...(filter.beforeId === undefined ? {} : { beforeId: filter.beforeId }),
    limit: filter.limit,
  });
  return {
    events: events.map((e) => ({
      id: e.id,
      atMs: e.atMs,
      type: e.type,
      severity: e.severity,
      meter: e.meterId,
      account: e.accountId,
      message: messageOf(e.payload, e.type),
    })),
  };
}

/**
 * The one-line wording event-specs gave the event (stored with it); command audit rows store only their
 * data, so theirs is rebuilt from it; else the type.
 */
function messageOf(payload: unknown, type: string): string {
  const p = (payload ?? {}) as { message?: unknown; command?: unknown; code?: unknown; source?: unknown };
  if (typeof p.message === "string" && type !== "command.refused") return p.message;
  if (typeof p.command !== "string") return type;
  const by = typeof p.source === "string" ? ` (${p.source})` : "";
  return type === "command.refused"
    ? `${p.command} refused: ${String(p.code)}${typeof p.message === "string" ? ` - ${p.message}` : ""}${by}`
    : `${p.command} executed${by}`;
}
