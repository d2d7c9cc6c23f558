/**
 * The local API as a feature: the status service, the metrics registry and the HTTP server that serves
 * them with the local top-up and the technician's commands (technician-api.ts), on 127.0.0.1 when
 * `gateway.httpPort` is set and always on the Unix socket (local-socket.ts), all on the ports they read.
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
  };

export class LocalApi {
  private http: LocalHttp | undefined;
  private socket: LocalSocket | undefined;

  constructor(private readonly deps: LocalApiDeps) {}

  /** Listens; resolves with the TCP port bound (undefined without one). */
  async start(): Promise<number | undefined> {
    const { deps } = this;
    const http = new LocalHttp({
      status: new StatusService(deps),
      metrics: createMetrics(deps),
      topup: (cmd) => deps.operations.topup(cmd),
      extra: this.technicianRoutes(),
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

  private technicianRoutes(): ReturnType<typeof technicianRoutes> {
    const { ports, store, clock, logger, relaysSettled, flushReadings } = this.deps.technician;
    const ops = new TechnicianOps({
      executor: createExecutor(ports),
      operations: ports.operations,
      store,
      clock,
      logger,
      relaysSettled,
    });
    const { config, meters, meterHealth } = this.deps;
    const now = () => clock.now();
    return technicianRoutes({ ops, store, logger, config, meters, meterHealth, flushReadings, now });
  }

  async stop(): Promise<void> {
    await this.socket?.stop();
    await this.http?.stop();
  }
}
