/**
 * The control interface: a small HTTP JSON API on 127.0.0.1 (node:http, no framework). Errors are
 * `{ "error": { "code", "message" } }` with a 4xx status; nothing a client sends can crash the simulator.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ErrorCode } from "../../core/errors.ts";
import { SimError, isSimError, type SimErrorCode } from "../core/sim-error.ts";
import type { Simulation } from "../core/simulation.ts";
import type { RunningBus } from "../scenario/running-bus.ts";
import { HttpError, type Route } from "./route.ts";
import { buildRoutes } from "./routes.ts";

/** Request bodies above this are refused (413): 64 KiB is far more than any control call needs. */
const maxBodyBytes = 64 * 1024;

const statusOf: Record<SimErrorCode, number> = {
  [ErrorCode.NotFound]: 404,
  [ErrorCode.AmbiguousUnit]: 409,
  [ErrorCode.InvalidRequest]: 400,
  [ErrorCode.NotSupported]: 400,
  [ErrorCode.ScenarioInvalid]: 400,
  [ErrorCode.ProfileUnknown]: 400,
  [ErrorCode.EndpointUnavailable]: 503,
};

export class ControlServer {
  private server: Server | undefined;
  private readonly routes: Array<Route & { pattern: RegExp; keys: string[] }>;
  /** `http://127.0.0.1:PORT` once started. */
  url: string | undefined;

  constructor(
    private readonly simulation: Simulation,
    buses: () => readonly RunningBus[],
  ) {
    this.routes = buildRoutes(simulation, buses).map((route) => {
      const keys: string[] = [];
      const source = route.path.replace(/:(\w+)/g, (_m, key: string) => {
        keys.push(key);
        return "([^/]+)";
      });
      return { ...route, pattern: new RegExp(`^${source}/?$`), keys };
    });
  }

  /** Listens on 127.0.0.1:`port` (0: a free one). */
  async start(port: number): Promise<void> {
    const server = createServer((req, res) => void this.serve(req, res));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => resolve());
      });
    } catch (error) {
      const inUse = (error as NodeJS.ErrnoException).code === "EADDRINUSE";
      throw new SimError(
        ErrorCode.EndpointUnavailable,
        `control port 127.0.0.1:${port} ${inUse ? "is already in use" : `cannot be opened (${String(error)})`}`,
        { cause: error },
      );
    }
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const matching = this.routes.filter((r) => r.pattern.test(url.pathname));
      if (matching.length === 0) throw new HttpError(404, "NOT_FOUND", `no route ${url.pathname}`);
      const route = matching.find((r) => r.method === req.method);
      if (route === undefined) {
        throw new HttpError(
          405,
          "METHOD_NOT_ALLOWED",
          `${req.method} ${url.pathname}: use ${matching.map((r) => r.method).join(" or ")}`,
        );
      }
      const match = route.pattern.exec(url.pathname)!;
      const params = Object.fromEntries(route.keys.map((key, i) => [key, decodeURIComponent(match[i + 1]!)]));
      const body = req.method === "POST" ? await readJson(req) : undefined;
      // State must reflect every timeline entry already due before anything is read or changed.
      this.simulation.timeline.runDue();
      const result = route.handle({ params, query: Object.fromEntries(url.searchParams), body });
      send(res, result.status ?? 200, result.body);
    } catch (error) {
      if (error instanceof HttpError)
        send(res, error.status, { error: { code: error.code, message: error.message } });
      else if (isSimError(error))
        send(res, statusOf[error.code], { error: { code: error.code, message: error.message } });
      else if (error instanceof RangeError)
        send(res, 400, { error: { code: "INVALID_REQUEST", message: error.message } });
      else send(res, 500, { error: { code: "INTERNAL", message: String(error) } });
    }
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Read to the end even past the limit, so the client is still listening when the 413 goes out.
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= maxBodyBytes) chunks.push(chunk);
  }
  if (size > maxBodyBytes)
    throw new HttpError(413, "BODY_TOO_LARGE", `request body above ${maxBodyBytes} bytes`);
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(
      400,
      "INVALID_JSON",
      `request body is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}
