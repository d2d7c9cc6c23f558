/**
 * The local API as a feature, when `gateway.httpPort` (or `http.listen`) is set: the status service,
 * the metrics registry and the HTTP server that serves them with the local top-up on 127.0.0.1, and
 * the technician's web page (gateway/web/) with it and on `http.listen`, all on the ports they read.
 */
import type { Clock } from "../../core/clock.ts";
import type { Logger } from "../../core/logger.ts";
import type { Store } from "../store/index.ts";
import type { CommandExecutor } from "../uplink/index.ts";
import { WebPage } from "../web/web-page.ts";
import { LocalHttp } from "./http.ts";
import { createMetrics, type MetricsSources } from "./metrics.ts";
import type { PrepaidOperations } from "../billing/operations.ts";
import { StatusService, type StatusSources } from "./status.ts";
import { TechnicianOps } from "./technician-ops.ts";

export type LocalApiDeps = StatusSources &
  MetricsSources & {
    /** Port to listen on (127.0.0.1); 0 picks a free one; undefined: only the page on `http.listen`. */
    readonly port: number | undefined;
    readonly operations: PrepaidOperations;
    readonly store: Store;
    /** The uplink's executor: the technician's actions take the MQTT commands' code paths. */
    readonly executor: CommandExecutor;
    readonly relaysSettled: () => Promise<void>;
    /** When the broker last acknowledged an outbox record (epoch ms); null: not yet or no uplink. */
    readonly lastPublishAtMs: () => number | null;
    readonly version: string;
    /** Real-time timers (live updates, bounds on technician actions). */
    readonly timers: Pick<Clock, "now" | "setTimeout" | "clearTimeout">;
    readonly logger: Logger;
  };

export class LocalApi {
  private http: LocalHttp | undefined;
  private web: WebPage | undefined;

  constructor(private readonly deps: LocalApiDeps) {}

  /** Port of the page's `http.listen` listener, once started. */
  get webListenPort(): number | undefined {
    return this.web?.listenPort;
  }

  /** Listens; resolves with the 127.0.0.1 port bound (undefined without `gateway.httpPort`). */
  async start(): Promise<number | undefined> {
    const { deps } = this;
    const status = new StatusService(deps);
    const technician = this.technicianOps();
    const web = (this.web = this.webPage(status, technician));
    await web.start();
    if (deps.port === undefined) return undefined;
    this.http = new LocalHttp({
      status,
      metrics: createMetrics(deps),
      topup: (cmd) => deps.operations.topup(cmd),
      web: (req, res) => web.handleLocal(req, res),
    });
    return this.http.start(deps.port);
  }

  async stop(): Promise<void> {
    // The page first: it ends its live streams, which would otherwise keep the server from closing.
    await this.web?.stop();
    await this.http?.stop();
  }

  /** The technician's operations, shared by the web page and the local API's technician commands. */
  private technicianOps(): TechnicianOps {
    const { executor, operations, store, timers, logger, relaysSettled } = this.deps;
    return new TechnicianOps({ executor, operations, store, clock: timers, logger, relaysSettled });
  }

  private webPage(status: StatusService, technician: TechnicianOps): WebPage {
    const { deps } = this;
    const { store, operations, meters, logger, timers } = deps;
    const uplink = () => {
      const connected = deps.uplinkConnected();
      return {
        configured: connected !== undefined,
        connected: connected === true,
        lastPublishAtMs: deps.lastPublishAtMs(),
      };
    };
    return new WebPage({
      sources: {
        status,
        supply: (meterId) => operations.supplyView(meterId),
        meters,
        history: store,
        clock: deps.clock,
        version: deps.version,
        uplink,
      },
      technician,
      events: deps.events,
      config: deps.config,
      monotonicMs: () => deps.clock.uptimeMs(),
      timers,
      logger,
    });
  }
}
