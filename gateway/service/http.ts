/**
 * The local HTTP API, bound to 127.0.0.1 only: health, Prometheus metrics, status, and the local
 * technician's top-up (which works while the uplink is down and is reported when it returns).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Registry } from "./prom.ts";
import * as z from "zod";
import type { PrepaidOperations } from "../billing/operations.ts";
import type { StatusService } from "./status-report.ts";

/** What the local API serves from: the status service, the metrics registry and the top-up operation. */
export interface LocalHttpPorts {
  readonly status: Pick<StatusService, "snapshot" | "problems">;
  readonly metrics: Registry;
  readonly topup: PrepaidOperations["topup"];
  /** The technician's web page (gateway/web/): serves its own paths, false for others. */
  readonly web?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /** More routes (technician-api.ts): resolves true when it answered the request. */
  readonly extra?: (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean>;
}

const topupBody = z.strictObject({
  account: z.string().min(1),
  amountFen: z.number().int().positive(),
  purchaseSeq: z.number().int().positive(),
  paymentRef: z.string().min(1).max(128),
});

const maxBodyBytes = 64 * 1024;

function send(res: ServerResponse, status: number, body: unknown, type = "application/json"): void {
  res.writeHead(status, { "content-type": type });
  res.end(type === "application/json" ? `${JSON.stringify(body)}\n` : String(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new Error("body too large");
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
}

export class LocalHttp {
  private server: Server | undefined;

  constructor(private readonly ports: LocalHttpPorts) {}

  async start(port: number): Promise<number> {
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    return typeof address === "object" && address !== null ? address.port : port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Answers one request (the TCP listener's and the Unix socket's). */
  handle(req: IncomingMessage, res: ServerResponse): void {
    this.route(req, res).catch((error: unknown) =>
      send(res, 500, { error: { code: "INTERNAL", message: String(error) } }),
    );
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (await this.ports.extra?.(req, res, path)) return;
    if (req.method === "GET" && path === "/healthz") {
      const problems = this.ports.status.problems(this.ports.status.snapshot());
      send(res, problems.length === 0 ? 200 : 503, {
        status: problems.length === 0 ? "ok" : "degraded",
        reasons: problems,
      });
      return;
    }
    if (req.method === "GET" && path === "/metrics") {
      const { metrics } = this.ports;
      send(res, 200, await metrics.metrics(), metrics.contentType);
      return;
    }
    if (req.method === "GET" && path === "/status") {
      send(res, 200, this.ports.status.snapshot());
      return;
    }
    if (req.method === "POST" && path === "/topup") {
      let body: unknown;
      try {
        body = await readJson(req);
      } catch {
        send(res, 400, { status: "error", code: "NOT_JSON", message: "the body is not JSON" });
        return;
      }
      const parsed = topupBody.safeParse(body);
      if (!parsed.success) {
        const message = parsed.error.issues
          .map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`)
          .join("; ");
        send(res, 400, { status: "error", code: "SCHEMA", message });
        return;
      }
      const result = this.ports.topup({
        ...parsed.data,
        account: parsed.data.account,
        source: "local",
      });
      send(
        res,
        result.ok ? 200 : 409,
        result.ok
          ? { status: "ok", result: result.result }
          : { status: "error", code: result.code, message: result.message },
      );
      return;
    }
    if (this.ports.web !== undefined && (await this.ports.web(req, res))) return;
    send(res, 404, {
      status: "error",
      code: "NOT_FOUND",
      message: `no ${req.method} ${path}; try / (the web page), /healthz, /metrics, /status, POST /topup`,
    });
  }
}
