/**
 * What `status`, `/status` and `/healthz` report: one snapshot of meters, balances, relays, backlog
 * and the reasons the gateway is degraded, in plain words.
 */
import type { TerminalStatus } from "../terminals/stats.ts";
import type { Config } from "../config/index.ts";
import { formatMoneyE7 } from "../prepaid/index.ts";
import type { DiskSnapshot } from "./disk-guard.ts";
import { diskProblems } from "./disk-health.ts";
import type { MeterBillingHealth } from "../billing/meter-health.ts";
import type { AccountTariffView } from "../billing/tariff-view.ts";
import type { TierCounter } from "../prepaid/index.ts";
import { lastPurchaseSeqOf } from "../billing/topup-command.ts";
import type { HostProbe } from "./host.ts";
import type { BusStats, ClockHealth, MeterDirectory } from "./ports.ts";
import type { MeterInfo } from "./buses.ts";
import type { Store } from "../store/index.ts";
import type { StoreFailures } from "./store-failures.ts";
import {
  billingProblems,
  meterBillingStatus,
  storageStatus,
  type MeterBillingStatus,
  type StorageStatus,
} from "./billing-status.ts";

export interface MeterStatus {
  id: string;
  bus: string;
  /** Modbus unit id, for a Modbus meter. */
  unit?: number;
  /** 12-digit DL/T 645 address, for a DL/T 645 meter. */
  address?: string;
  profile: string;
  state: string;
  lastSeenMs: number | null;
  importEnergyWh: number | null;
  powerW: number | null;
  relay: "closed" | "open" | null;
  account: string | null;
  /** The account's customer number (account.open); null without one. */
  customerNo: string | null;
  /** When the account was closed (account.close, epoch ms); null while open or without an account. */
  accountClosedAtMs: number | null;
  balance: string | null;
  lastError: string | null;
  /** Keep-power of the account: why and until when (epoch ms; null: no end); null when not protected. */
  protected: { reason: string; untilMs: number | null } | null;
  /** The account's last applied purchase count (the next top-up is this + 1); null without an account. */
  lastPurchaseSeq: number | null;
  /** What keeps the meter from being billed normally (billing-status.ts). */
  billing: MeterBillingStatus;
  /**
   * The account's tariff (id), its next set's switch-over (epoch ms, null: none) and the account's tier
   * counter (null unless tiered; tariff-view.ts); absent without an account or a tariff view.
   */
  tariff?: { id: string | null; nextFromMs: number | null; tierCounter: TierCounter | null };
}

export interface GatewayStatus {
  gatewayId: string;
  uptimeMs: number;
  meters: MeterStatus[];
  backlog: Record<string, number>;
  buses: Record<string, "up" | "down" | "unknown">;
  /** Batches of readings failing to store. */
  storage: StorageStatus;
  /** Room in the data directory: full or not, free bytes, reserve held, readings not stored. */
  disk: DiskSnapshot;
  /** Per bus: why it is down (or last was), since when, and its link failures by code. */
  links: Record<string, LinkStatus>;
  /** Prepayment terminals and their counters (docs/terminals.md); absent when none are configured. */
  terminals?: TerminalStatus[];
  /**
   * Contact with the platform (keep-power after silence, policy.keepPowerAfterSilenceMin): `silent` while
   * automatic cuts are held for it; the last valid signed command (epoch ms, null: none since start).
   */
  platform?: { silent: boolean; lastMessageMs: number | null };
}

export interface LinkStatus {
  state: "up" | "down" | "unknown";
  lastError: string | null;
  /** Wall-clock ms the bus went down, while it is down. */
  downSinceMs: number | null;
  /** Successful opens (connects) since start. */
  opens: number;
  /** Link failures by code: CONNECTION_CLOSED, CONNECTION_RESET, CONNECT_TIMEOUT, PORT_NOT_FOUND, ... */
  errors: Record<string, number>;
}

/** What the status service reads; each part is a narrow port built once by the composition root. */
export interface StatusSources {
  /** The config in force (reload replaces it). */
  readonly config: () => Config;
  readonly meters: MeterDirectory;
  readonly store: Pick<Store, "readings" | "outbox" | "kv" | "lifecycle">;
  readonly meterHealth: (meterId: string) => MeterBillingHealth;
  readonly storeFailures: StoreFailures;
  readonly disk: () => DiskSnapshot;
  /** Last known state of each bus (from `bus.state` events). */
  readonly busStates: ReadonlyMap<string, "up" | "down">;
  readonly clock: ClockHealth;
  /** Whether the MQTT session is up; undefined when no uplink is configured. */
  readonly uplinkConnected: () => boolean | undefined;
  readonly host: HostProbe;
  /** An account's tariff sets and tier counter now (PrepaidOperations.tariffView). */
  readonly tariffView?: (accountId: string) => AccountTariffView | undefined;
  /** Platform contact (PlatformSilence.status); absent when not wired. */
  readonly platformContact?: () => { silent: boolean; lastMessageMs: number | undefined };
  /** The prepayment terminals' counters; absent when none are configured. */
  readonly terminals?: (() => TerminalStatus[]) | undefined;
}

/** Health limits: above this backlog, below this much free disk, the gateway is degraded. */
const defaultLimits = { backlog: 100_000, freeDiskBytes: 100 * 1024 * 1024 };

/** One snapshot for `status`, `/status` and `/healthz`, and the reasons the gateway is degraded. */
export class StatusService {
  constructor(private readonly sources: StatusSources) {}

  snapshot(): GatewayStatus {
    const { config, meters, store, storeFailures } = this.sources;
    const buses: Record<string, "up" | "down" | "unknown"> = {};
    for (const bus of config().buses) buses[bus.id] = this.sources.busStates.get(bus.id) ?? "unknown";
    return {
      gatewayId: config().gateway.id,
      uptimeMs: this.sources.clock.uptimeMs(),
      meters: meters.meters().map((m) => this.meterStatus(m)),
      backlog: store.outbox.backlogByStream(),
      buses,
      storage: storageStatus(storeFailures.episode, storeFailures.totalBatches),
      disk: this.sources.disk(),
      links: linksOf(meters.busStats()),
      ...(this.sources.terminals === undefined ? {} : { terminals: this.sources.terminals() }),
      ...this.platformStatus(),
    };
  }

  private platformStatus(): Pick<GatewayStatus, "platform"> {
    const contact = this.sources.platformContact?.();
    if (contact === undefined) return {};
    return { platform: { silent: contact.silent, lastMessageMs: contact.lastMessageMs ?? null } };
  }

  private meterStatus(m: MeterInfo): MeterStatus {
    const { meters, store } = this.sources;
    const counters = meters.live(m.id);
    const latest = store.readings.latestForMeter(m.id);
    const account = meters.account(m.id);
    return {
      id: m.id,
      bus: m.busId,
      ...(m.unit === undefined ? {} : { unit: m.unit }),
      ...(m.address === undefined ? {} : { address: m.address }),
      profile: m.profile,
      state: counters.state,
      lastSeenMs: counters.lastSeenMs ?? latest?.atMs ?? null,
      importEnergyWh: latest?.energyWh ?? null,
      powerW: latest?.powerW ?? null,
      relay: meters.relay(m.id) ?? null,
      account: meters.accountOf(m.id) ?? null,
      ...this.lifecycleStatus(meters.accountOf(m.id)),
      balance: account === undefined ? null : formatMoneyE7(account.balanceE7),
      lastError: counters.lastError?.message ?? null,
      protected:
        account?.protection == null
          ? null
          : { reason: account.protection.reason, untilMs: account.protection.untilMs ?? null },
      lastPurchaseSeq: account === undefined ? null : lastPurchaseSeqOf(store, account),
      billing: meterBillingStatus(this.sources.meterHealth(m.id)),
      ...this.tariffStatus(meters.accountOf(m.id)),
    };
  }

  private lifecycleStatus(
    accountId: string | undefined,
  ): Pick<MeterStatus, "customerNo" | "accountClosedAtMs"> {
    const facts = accountId === undefined ? undefined : this.sources.store.lifecycle.get(accountId);
    return { customerNo: facts?.customerNo ?? null, accountClosedAtMs: facts?.closedAtMs ?? null };
  }

  private tariffStatus(accountId: string | undefined): Pick<MeterStatus, "tariff"> {
    const view = accountId === undefined ? undefined : this.sources.tariffView?.(accountId);
    if (view === undefined) return {};
    const nextFromMs = view.sets?.next?.effectiveFromMs ?? null;
    return { tariff: { id: view.sets?.tariff ?? null, nextFromMs, tierCounter: view.tierCounter } };
  }

  /** Reasons the gateway is degraded in `status`; empty when healthy. */
  problems(status: GatewayStatus, limits = defaultLimits): string[] {
    const problems: string[] = [];
    for (const [bus, state] of Object.entries(status.buses))
      if (state === "down") {
        const why = status.links[bus]?.lastError;
        problems.push(
          why === null || why === undefined ? `bus ${bus} is down` : `bus ${bus} is down: ${why}`,
        );
      }
    const offline = status.meters.filter((m) => m.state === "offline").map((m) => m.id);
    if (offline.length > 0) problems.push(`meters offline: ${offline.join(", ")}`);
    const backlog = Object.values(status.backlog).reduce((a, b) => a + b, 0);
    if (backlog > limits.backlog) problems.push(`uplink backlog is ${backlog} records`);
    const { mqtt, gateway } = this.sources.config();
    if (mqtt !== undefined && this.sources.uplinkConnected() !== true) {
      problems.push(`broker unreachable: ${mqtt.url} (records wait in the outbox)`);
    }
    if (status.platform?.silent === true) problems.push(silenceProblem(status.platform.lastMessageMs));
    problems.push(...billingProblems(status));
    for (const t of status.terminals ?? [])
      if (t.lastError !== undefined) problems.push(`terminal ${t.id} is not answering: ${t.lastError}`);
    problems.push(...diskProblems(status.disk));
    problems.push(...this.hostProblems(gateway.dataDir, limits.freeDiskBytes));
    return problems;
  }

  /** Clock trust, NTP (the probe's last answer, never waited for) and free disk. */
  private hostProblems(dataDir: string, minFreeBytes: number): string[] {
    const problems: string[] = [];
    const clock = this.sources.clock.check();
    if (!clock.ok) problems.push(`clock not trusted: ${clock.detail}`);
    if (this.sources.host.ntpSynchronised() === false)
      problems.push("clock not synchronised (NTP): sudo timedatectl set-ntp true");
    const free = this.sources.host.freeDiskBytes(dataDir);
    if (free === undefined) problems.push(`cannot read free space of ${dataDir}`);
    else if (free < minFreeBytes)
      problems.push(`disk low: ${Math.round(free / 1024 / 1024)} MiB free in ${dataDir}`);
    return problems;
  }
}

/** The platform-silence reason of /healthz, in plain words. */
export function silenceProblem(lastMessageMs: number | null): string {
  const last =
    lastMessageMs === null ? "none since start" : `last at ${new Date(lastMessageMs).toISOString()}`;
  return `platform silent: no valid signed command within policy.keepPowerAfterSilenceMin (${last}); automatic cuts are held (keep-power) until one arrives`;
}

function linksOf(stats: readonly BusStats[]): Record<string, LinkStatus> {
  const links: Record<string, LinkStatus> = {};
  for (const { busId, link } of stats) {
    links[busId] = {
      state: link.state,
      lastError: link.lastError?.message ?? null,
      downSinceMs: link.downSinceMs ?? null,
      opens: link.opens,
      errors: { ...link.errors },
    };
  }
  return links;
}
