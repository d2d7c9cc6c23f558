/**
 * Talks to the running service's local API: on its Unix socket (`gateway.socketPath`, default
 * `<dataDir>/gateway.sock`, open to the `meter-gateway` group), else on 127.0.0.1:`gateway.httpPort`.
 * Every call is bounded; "not running" (nothing listens) is told apart from "running but refused you"
 * (a permission problem on the socket), because `read` falls back to the serial port only in the first
 * case.
 */
import { request, type RequestOptions } from "node:http";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { localSocketPath } from "../config/index.ts";
import { loadConfigFile } from "./config-file.ts";

/** Where the service listens, from its config file. */
export interface LocalApiTarget {
  readonly socketPath: string;
  /** `http://127.0.0.1:PORT`, when the config sets `gateway.httpPort`. */
  readonly httpBase: string | undefined;
}

/** One answer of the local API. */
export interface LocalApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** Default bound of a call, ms: a read on a slow bus or a relay test takes seconds, not minutes. */
const defaultTimeoutMs = 15_000;

export async function localApiTarget(configFile: string): Promise<LocalApiTarget> {
  const { config } = await loadConfigFile(configFile);
  const port = config.gateway.httpPort;
  return {
    socketPath: localSocketPath(config.gateway),
    httpBase: port === undefined ? undefined : `http://127.0.0.1:${port}`,
  };
}

/** Error codes that mean nothing listens there (the service is not running). */
const notListening = new Set(["ENOENT", "ECONNREFUSED"]);

function send(
  where: Pick<RequestOptions, "socketPath" | "host" | "port">,
  path: string,
  body: unknown,
  timeoutMs: number,
): Promise<LocalApiAnswer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request({
      ...where,
      path,
      method: payload === undefined ? "GET" : "POST",
      headers: payload === undefined ? {} : { "content-type": "application/json" },
      signal: AbortSignal.timeout(timeoutMs),
    });
    req.once("error", reject);
    req.once("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.once("error", reject);
      res.once("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: text });
        }
      });
    });
    req.end(payload);
  });
}

function explain(error: unknown, where: string, timeoutMs: number): GatewayError {
  const e = error as NodeJS.ErrnoException;
  if (e.code === "EACCES")
    return new GatewayError(
      ErrorCode.PortPermissionDenied,
      `permission denied on ${where}: join the meter-gateway group (sudo usermod -aG meter-gateway $USER, then log in again) or use sudo`,
    );
  if (e.name === "AbortError" || e.name === "TimeoutError")
    return new GatewayError(
      ErrorCode.Timeout,
      `the gateway service did not answer within ${timeoutMs} ms on ${where}`,
    );
  return new GatewayError(ErrorCode.TransportError, `${where}: ${e.message}`);
}

/**
 * Calls the running service: GET without `body`, POST JSON with it. Resolves undefined when the service
 * is not running (nothing listens on the socket nor on the port); throws a plain-worded GatewayError for
 * a permission problem or a timeout.
 */
export async function tryLocalApi(
  target: LocalApiTarget,
  path: string,
  body?: unknown,
  timeoutMs = defaultTimeoutMs,
): Promise<LocalApiAnswer | undefined> {
  try {
    return await send({ socketPath: target.socketPath }, path, body, timeoutMs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    if (!notListening.has(code)) throw explain(error, target.socketPath, timeoutMs);
  }
  if (target.httpBase === undefined) return undefined;
  const url = new URL(target.httpBase);
  try {
    return await send({ host: url.hostname, port: Number(url.port) }, path, body, timeoutMs);
  } catch (error) {
    if (notListening.has((error as NodeJS.ErrnoException).code ?? "")) return undefined;
    throw explain(error, target.httpBase, timeoutMs);
  }
}

/** Like {@link tryLocalApi}, but "not running" is an error that says how to start the service. */
export async function callLocalApi(
  target: LocalApiTarget,
  path: string,
  body?: unknown,
  timeoutMs = defaultTimeoutMs,
): Promise<LocalApiAnswer> {
  const answer = await tryLocalApi(target, path, body, timeoutMs);
  if (answer !== undefined) return answer;
  const where =
    target.httpBase === undefined ? target.socketPath : `${target.socketPath} or ${target.httpBase}`;
  throw new GatewayError(
    ErrorCode.ConnectionRefused,
    `the gateway service is not running (nothing answers on ${where}); start it: systemctl start meter-gateway`,
  );
}
