/**
 * The local API as a feature, when `gateway.httpPort` is set: the status service, the metrics registry
 * and the HTTP server that serves them with the local top-up, all on the ports they read.
 */
import { LocalHttp } from "./http.ts";
import { createMetrics, type MetricsSources } from "./metrics.ts";
import type { PrepaidOperations } from "../billing/operations.ts";
import { StatusService, type StatusSources } from "./status-report.ts";

export type LocalApiDeps = StatusSources &
  MetricsSources & {
    /** Port to listen on (127.0.0.1); 0 picks a free one. */
    readonly port: number;
    readonly operations: Pick<PrepaidOperations, "topup">;
  };

export class LocalApi {
  private http: LocalHttp | undefined;

  constructor(private readonly deps: LocalApiDeps) {}

  /** Listens; resolves with the port bound. */
  async start(): Promise<number> {
    const { deps } = this;
    this.http = new LocalHttp({
      status: new StatusService(deps),
      metrics: createMetrics(deps),
      topup: (cmd) => deps.operations.topup(cmd),
    });
    return this.http.start(deps.port);
  }

  async stop(): Promise<void> {
    await this.http?.stop();
  }
}
