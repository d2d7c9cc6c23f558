/**
 * The local API as a feature: the status service, the metrics registry and the HTTP server that serves
 * them with the local top-up, the technician's commands (technician-api.ts) and the technician's web
 * page (gateway/web/), on 127.0.0.1 when `gateway.httpPort` is set and always on the Unix socket
 * (local-socket.ts), all on the ports they read. The page also listens on `http.listen` when set.
 */
import { LocalHttp } from "./http.ts";
import { LocalSocket } from "./local-socket.ts";
import { createMetrics, type MetricsSources } from "./metrics.ts";
import type { PrepaidOperations } from "../billing/operations.ts";
import { StatusService, type StatusSources } from "./status-report.ts";
import type { Clock } from "../../core/clock.ts";
import type { Logger } from "../../core/logger.ts";
import type { Store } from "../store/index.ts";
import { createExecutor, type ExecutorPorts } from "./command-executor.ts";
import { technicianRoutes } from "./technician-api.ts";
import { TechnicianOps } from "./technician-ops.ts";
import { WebPage } from "../web/web-page.ts";

/** What the technician's commands need beyond status: the commands' ports and the engine's hooks. */
export interface LocalTechnicianDeps {
  readonly ports: ExecutorPorts;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Resolves when the relay operations queued so far have finished (PrepaidEngine.relaysSettled). */
  readonly relaysSettled: () => Promise<void>;
  /** Stores the readings collected so far now (ReadingFlow.flush). */
  readonly flushReadings: () => void;
}

export type LocalApiDeps = StatusSources &
  MetricsSources & {
    /** Port to listen on (127.0.0.1); 0 picks a free one; undefined: no TCP listener. */
    readonly port: number | undefined;
    /** The Unix socket (config localSocketPath). */
    readonly socketPath: string;
    readonly operations: Pick<PrepaidOperations, "topup">;
    readonly technician: LocalTechnicianDeps;
    /** When the broker last acknowledged an outbox record (epoch ms); null: not yet or no uplink. */
    readonly lastPublishAtMs: () => number | null;
    /** Software version, shown on the web page. */
    readonly version: string;
    /** Real-time timers for the page's live updates (the demo's clock runs faster). */
    readonly timers: Pick<Clock, "setTimeout" | "clearTimeout">;
  };

export class LocalApi {
  private http: LocalHttp | undefined;
  private socket: LocalSocket | undefined;
  private web: WebPage | undefined;

  constructor(private readonly deps: LocalApiDeps) {}

  /** Listens; resolves with the TCP port bound (undefined without one). */
  async start(): Promise<number | undefined> {
    const { deps } = this;
    const status = new StatusService(deps);
    const ops = this.technicianOps();
    const web = (this.web = this.webPage(status, ops));
    await web.start();
    const http = new LocalHttp({
      status,
      metrics: createMetrics(deps),
      topup: (cmd) => deps.operations.topup(cmd),
      extra: this.technicianRoutes(ops),
      web: (req, res) => web.handleLocal(req, res),
    });
    this.http = http;
    const socket = new LocalSocket(deps.socketPath, (req, res) => http.handle(req, res));
    try {
      await socket.start();
      this.socket = socket;
    } catch (error) {
      // Metering and billing go on without it; the technician's commands then need httpPort.
      deps.technician.logger.error({ err: error }, `local API socket off: ${(error as Error).message}`);
    }
    return deps.port === undefined ? undefined : http.start(deps.port);
  }

  /** The technician's operations, shared by the CLI's routes and the web page. */
  private technicianOps(): TechnicianOps {
    const { ports, store, clock, logger, relaysSettled } = this.deps.technician;
    const executor = createExecutor(ports);
    return new TechnicianOps({ executor, operations: ports.operations, store, clock, logger, relaysSettled });
  }

  private technicianRoutes(ops: TechnicianOps): ReturnType<typeof technicianRoutes> {
    const { store, clock, logger, flushReadings } = this.deps.technician;
    const { config, meters, meterHealth } = this.deps;
    const now = () => clock.now();
    return technicianRoutes({ ops, store, logger, config, meters, meterHealth, flushReadings, now });
  }

  /** The page on the same sources as the status, with the technician's operations for its actions. */
  private webPage(status: StatusService, technician: TechnicianOps): WebPage {
    const { deps } = this;
    const { ports, store, logger } = deps.technician;
    const uplink = () => {
      const connected = deps.uplinkConnected();
      const lastPublishAtMs = deps.lastPublishAtMs();
      return { configured: connected !== undefined, connected: connected === true, lastPublishAtMs };
    };
    return new WebPage({
      sources: {
        status,
        supply: (meterId) => ports.operations.supplyView(meterId),
        meters: deps.meters,
        history: store,
        clock: deps.clock,
        version: deps.version,
        uplink,
      },
      technician,
      events: deps.events,
      config: deps.config,
      monotonicMs: () => deps.clock.uptimeMs(),
      timers: deps.timers,
      logger,
    });
  }

  async stop(): Promise<void> {
    // The page first: it ends its live streams, which would otherwise keep the server from closing.
    await this.web?.stop();
    await this.socket?.stop();
    await this.http?.stop();
  }
}
