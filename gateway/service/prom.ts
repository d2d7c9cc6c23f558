/**
 * prom-client's Counter, Gauge and Registry without the rest of its index, which also loads the
 * Pushgateway (http, https), the cluster aggregator, Histogram, Summary (tdigest) and the default
 * process metrics with @opentelemetry/api: 0.4 MiB of heap in `meter-gateway run` (1.4 in a bare
 * process) that the service never uses (docs/bench.md, "Memory, second round"). prom-client 15 has no
 * `exports` map, so its lib/ files are importable; the types are those of its index, which re-exports
 * these same classes.
 */
import { createRequire } from "node:module";
import type * as PromClient from "prom-client";

const require = createRequire(import.meta.url);

/** prom-client's Counter (lib/counter.js). */
export const Counter = require("prom-client/lib/counter") as typeof PromClient.Counter;
/** prom-client's Gauge (lib/gauge.js). */
export const Gauge = require("prom-client/lib/gauge") as typeof PromClient.Gauge;
/** prom-client's Registry (lib/registry.js). */
export const Registry = require("prom-client/lib/registry") as typeof PromClient.Registry;
/** A metrics registry; `/metrics` serves its text. */
export type Registry = PromClient.Registry;
