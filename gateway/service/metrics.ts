/**
 * Prometheus metrics (prom-client): counters fed by gateway events, gauges read from the parts on
 * each scrape so they can never go stale.
 */
import { Counter, Gauge, Registry } from "./prom.ts";
import { errorCounterKey } from "../../core/errors.ts";
import type { EventBus } from "../../core/event-bus.ts";
import type { GatewayEvents } from "../events.ts";
import type { Store } from "../store/index.ts";
import type { MeterBillingHealth } from "../billing/meter-health.ts";
import type { ClockHealth, MeterDirectory } from "./ports.ts";
import type { StoreFailures } from "./store-failures.ts";
import type { TerminalStatus } from "../terminals/stats.ts";
import { terminalGauges } from "./terminal-metrics.ts";

/** What the metrics read: events to count, and the parts their gauges look at on each scrape. */
export interface MetricsSources {
  readonly events: EventBus<GatewayEvents>;
  readonly meters: MeterDirectory;
  readonly store: Pick<Store, "outbox" | "relayOps">;
  readonly meterHealth: (meterId: string) => MeterBillingHealth;
  readonly storeFailures: StoreFailures;
  readonly clock: ClockHealth;
  /** The prepayment terminals' counters; absent when none are configured. */
  readonly terminals?: (() => TerminalStatus[]) | undefined;
}

/** Publish latency is measured over this many of the newest delivered records. */
const latencySample = 1000;

/** The registry /metrics serves; its counters subscribe to `sources.events` now. */
export function createMetrics(sources: MetricsSources): Registry {
  const registry = new Registry();
  pollCounters(sources.events, registry);
  busGauges(sources.meters, registry);
  linkGauges(sources.meters, registry);
  storeGauges(sources.store, registry);
  billingGauges(sources, registry);
  if (sources.terminals !== undefined) terminalGauges(sources.terminals, registry);
  // Registered last, as before the split: scrapes list the metrics in registration order.
  new Gauge({
    name: "meter_gateway_uptime_seconds",
    help: "Seconds since start",
    registers: [registry],
    collect() {
      this.set(sources.clock.uptimeMs() / 1000);
    },
  });
  return registry;
}

/**
 * Polls by outcome and failed polls by error code, counted from the events. A reading is counted in a
 * plain map and handed to the counter at the scrape: prom-client's `inc` builds a string key from the
 * labels on every call, and readings come by the thousand per second.
 */
function pollCounters(events: EventBus<GatewayEvents>, registry: Registry): void {
  const readingsSinceScrape = new Map<string, number>();
  const polls = new Counter({
    name: "meter_gateway_polls_total",
    help: "Meter polls by outcome",
    labelNames: ["meter", "outcome"],
    registers: [registry],
    collect() {
      for (const [meter, count] of readingsSinceScrape) {
        if (count === 0) continue;
        this.inc({ meter, outcome: "ok" }, count);
        readingsSinceScrape.set(meter, 0);
      }
    },
  });
  const errors = new Counter({
    name: "meter_gateway_poll_errors_total",
    help: "Failed polls by error code",
    labelNames: ["meter", "code"],
    registers: [registry],
  });
  events.on("reading", (r) =>
    readingsSinceScrape.set(r.meterId, (readingsSinceScrape.get(r.meterId) ?? 0) + 1),
  );
  events.on("poll.error", ({ meterId, error }) => {
    polls.inc({ meter: meterId, outcome: "error" });
    errors.inc({ meter: meterId, code: errorCounterKey(error) });
  });
}

/** Per bus (busy time, queue depth) and per meter (online), read on each scrape. */
function busGauges(meters: MeterDirectory, registry: Registry): void {
  new Gauge({
    name: "meter_gateway_bus_busy_seconds",
    help: "Time each bus spent in transactions since start (rate() of it is the bus utilisation)",
    labelNames: ["bus"],
    registers: [registry],
    collect() {
      for (const bus of meters.busStats()) this.set({ bus: bus.busId }, bus.busyMs / 1000);
    },
  });
  new Gauge({
    name: "meter_gateway_bus_queue_depth",
    help: "Jobs waiting per bus",
    labelNames: ["bus", "priority"],
    registers: [registry],
    collect() {
      for (const bus of meters.busStats()) {
        for (const [priority, depth] of Object.entries(bus.queued))
          this.set({ bus: bus.busId, priority }, depth);
      }
    },
  });
  new Gauge({
    name: "meter_gateway_meter_online",
    help: "1 when the meter answers, 0 when it is offline",
    labelNames: ["meter"],
    registers: [registry],
    collect() {
      for (const m of meters.meters())
        this.set({ meter: m.id }, meters.live(m.id).state === "offline" ? 0 : 1);
    },
  });
}

/** Per bus link: failures by code, up or not, replies dropped for want of a request. */
function linkGauges(meters: MeterDirectory, registry: Registry): void {
  new Gauge({
    name: "meter_gateway_bus_link_failures",
    help: "Link failures per bus since start, by code (CONNECTION_CLOSED, CONNECTION_RESET, CONNECT_TIMEOUT, ...)",
    labelNames: ["bus", "code"],
    registers: [registry],
    collect() {
      for (const bus of meters.busStats())
        for (const [code, count] of Object.entries(bus.link.errors))
          this.set({ bus: bus.busId, code }, count);
    },
  });
  new Gauge({
    name: "meter_gateway_bus_unmatched_replies",
    help: "Replies dropped per bus since start because no request waited for their transaction id (late after a timeout, or never asked; Modbus TCP)",
    labelNames: ["bus"],
    registers: [registry],
    collect() {
      for (const bus of meters.busStats()) this.set({ bus: bus.busId }, bus.unmatchedReplies);
    },
  });
  new Gauge({
    name: "meter_gateway_bus_up",
    help: "1 when the bus's link carries replies, 0 when it is down or not yet proven",
    labelNames: ["bus"],
    registers: [registry],
    collect() {
      for (const bus of meters.busStats()) this.set({ bus: bus.busId }, bus.link.state === "up" ? 1 : 0);
    },
  });
}

/** The outbox backlog, relay operations and publish latency, from the store's repositories. */
function storeGauges(store: Pick<Store, "outbox" | "relayOps">, registry: Registry): void {
  new Gauge({
    name: "meter_gateway_outbox_backlog",
    help: "Outbox records not yet acknowledged by the broker, per stream",
    labelNames: ["stream"],
    registers: [registry],
    collect() {
      for (const [stream, count] of Object.entries(store.outbox.backlogByStream()))
        this.set({ stream }, count);
    },
  });
  new Gauge({
    name: "meter_gateway_relay_operations",
    help: "Relay operations recorded, by action and result",
    labelNames: ["action", "result"],
    registers: [registry],
    collect() {
      this.reset();
      for (const row of store.relayOps.countsByOutcome())
        this.set({ action: row.action, result: row.result }, row.count);
    },
  });
  new Gauge({
    name: "meter_gateway_publish_latency_seconds",
    help: "From outbox insert to broker PUBACK over the last 1000 delivered records: p50 and p95",
    labelNames: ["quantile"],
    registers: [registry],
    collect() {
      const rows = store.outbox.deliveryLatenciesMs(latencySample);
      if (rows.length === 0) return;
      rows.sort((a, b) => a - b);
      const at = (q: number) => rows[Math.min(rows.length - 1, Math.floor(q * rows.length))]! / 1000;
      this.set({ quantile: "0.5" }, at(0.5));
      this.set({ quantile: "0.95" }, at(0.95));
    },
  });
}

/** The billing side of health (billing-status.ts) as gauges, read on each scrape. */
function billingGauges(
  sources: Pick<MetricsSources, "meters" | "meterHealth" | "storeFailures">,
  registry: Registry,
): void {
  const { meters, meterHealth, storeFailures } = sources;
  new Gauge({
    name: "meter_gateway_store_failed_batches",
    help: "Batches of readings that could not be stored since start (their readings were not billed)",
    registers: [registry],
    collect() {
      this.set(storeFailures.totalBatches);
    },
  });
  new Gauge({
    name: "meter_gateway_readings_held",
    help: "Readings held (not charged) in a row now, per meter; 0 when the last reading was charged",
    labelNames: ["meter"],
    registers: [registry],
    collect() {
      for (const m of meters.meters()) this.set({ meter: m.id }, meterHealth(m.id).held?.readings ?? 0);
    },
  });
  new Gauge({
    name: "meter_gateway_relay_disobeys",
    help: "1 when the meter's relay reads back another position than commanded",
    labelNames: ["meter"],
    registers: [registry],
    collect() {
      for (const m of meters.meters())
        this.set({ meter: m.id }, meterHealth(m.id).relayDisobeys === undefined ? 0 : 1);
    },
  });
}
