/**
 * The technician's web page as a feature: served with the local API on 127.0.0.1 (through
 * {@link WebPage.handleLocal}) and, when `http.listen` is set, on its own listener at that address,
 * over TLS when `http.tls` is set. A listener beyond this machine requires the technician password to
 * be set, and there looking needs sign-in too. start() refuses a LAN listener without a password.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { readFileSync } from "node:fs";
import type { Clock } from "../../core/clock.ts";
import { withDeadline } from "../../core/deadline.ts";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import type { EventBus } from "../../core/event-bus.ts";
import type { Logger } from "../../core/logger.ts";
import { isLoopback, listenAddress } from "../config/http.ts";
import type { Config } from "../config/index.ts";
import type { GatewayEvents } from "../events.ts";
import type { TechnicianOps } from "../service/technician-ops.ts";
import { lanWithoutPassword } from "./access-check.ts";
import { loadAssets } from "./assets.ts";
import { WebHandler, type ListenerMode } from "./handler.ts";
import { sendError } from "./http-util.ts";
import { LiveUpdates } from "./live.ts";
import { Sessions } from "./sessions.ts";
import type { WebSources } from "./sources.ts";

export interface WebPageDeps {
  readonly sources: WebSources;
  readonly technician: TechnicianOps;
  readonly events: EventBus<GatewayEvents>;
  /** The `gateway` and `http` sections in force. */
  readonly config: () => Pick<Config, "gateway" | "http">;
  /** Monotonic ms since start, for session idle times. */
  readonly monotonicMs: () => number;
  /** Timers of the live stream: real time (the demo's accelerated clock would push far too often). */
  readonly timers: Pick<Clock, "setTimeout" | "clearTimeout">;
  readonly logger: Logger;
}

const localMode: ListenerMode = { secure: false, viewNeedsSignIn: false };
/** Bound on binding the listener, ms. */
const listenTimeoutMs = 5000;

export class WebPage {
  private handler: WebHandler | undefined;
  private live: LiveUpdates | undefined;
  private server: Server | undefined;
  /** Port of the `http.listen` listener once started. */
  listenPort: number | undefined;

  constructor(private readonly deps: WebPageDeps) {}

  async start(): Promise<void> {
    const { sources, technician, events, timers, config } = this.deps;
    const { gateway, http } = config();
    const idleMs = (http?.sessionIdleMinutes ?? 60) * 60_000;
    const sessions = new Sessions({ monotonicMs: this.deps.monotonicMs }, idleMs);
    const latestEventId = () => sources.history.events.lastId();
    this.live = new LiveUpdates({ events, latestEventId, clock: timers });
    this.live.start();
    const assets = loadAssets();
    this.handler = new WebHandler({
      sources,
      technician,
      sessions,
      live: this.live,
      assets,
      dataDir: gateway.dataDir,
    });
    if (http?.listen !== undefined) await this.listen(http.listen, http.tls, gateway.dataDir);
  }

  /** Serves a request of the 127.0.0.1 local API when it is the page's; false otherwise. */
  async handleLocal(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    return this.handler === undefined ? false : this.handler.handle(req, res, localMode);
  }

  async stop(): Promise<void> {
    this.live?.stop();
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await withDeadline(
      this.deps.timers,
      new Promise<void>((resolve) => server.close(() => resolve())),
      2000,
      () => new GatewayError(ErrorCode.Timeout, "web page listener did not close within 2000 ms"),
    ).catch((error: unknown) => this.deps.logger.warn({ err: error }, "web page stop"));
  }

  private async listen(listen: string, tls: { cert: string; key: string } | undefined, dataDir: string) {
    const refusal = lanWithoutPassword(listen, dataDir);
    if (refusal !== undefined) throw new GatewayError(ErrorCode.ConfigInvalid, `http.listen: ${refusal}`);
    const { host, port } = listenAddress(listen);
    const mode: ListenerMode = { secure: tls !== undefined, viewNeedsSignIn: !isLoopback(host) };
    const serve = (req: IncomingMessage, res: ServerResponse) => {
      this.handleOn(req, res, mode).catch((error: unknown) => {
        this.deps.logger.error({ err: error }, "web page request failed");
        if (!res.headersSent) sendError(res, 500, "INTERNAL", "the gateway failed to answer");
      });
    };
    const server =
      tls === undefined
        ? createHttpServer(serve)
        : createHttpsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, serve);
    this.server = server;
    const bound = new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    await withDeadline(
      this.deps.timers,
      bound,
      listenTimeoutMs,
      () =>
        new GatewayError(
          ErrorCode.Timeout,
          `http.listen: could not listen on ${listen} within ${listenTimeoutMs} ms`,
        ),
    ).catch((error: unknown) => {
      throw new GatewayError(
        ErrorCode.ConfigInvalid,
        `http.listen: cannot listen on ${listen}: ${String(error)}`,
      );
    });
    const address = server.address();
    this.listenPort = typeof address === "object" && address !== null ? address.port : port;
    this.deps.logger.info(
      { listen, tls: mode.secure },
      `web page on ${mode.secure ? "https" : "http"}://${listen}/`,
    );
  }

  private async handleOn(req: IncomingMessage, res: ServerResponse, mode: ListenerMode): Promise<void> {
    if (!(await this.handler!.handle(req, res, mode))) sendError(res, 404, "NOT_FOUND", "no such page");
  }
}
