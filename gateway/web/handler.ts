/**
 * The web page's routes: the page and its assets, the read-only JSON views under /api/ui/, the live
 * stream, sign-in and the technician's actions. Reading is open on 127.0.0.1 (like /status) and needs
 * sign-in on a LAN listener; every action needs a signed-in technician and the session's CSRF token.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TechnicianOps } from "../service/technician-ops.ts";
import { isActionName, runAction } from "./actions.ts";
import type { Asset } from "./assets.ts";
import { readJsonBody, sameOriginJson, securityHeaders, sendError, sendJson } from "./http-util.ts";
import type { LiveUpdates } from "./live.ts";
import { eventsView, meterDetailView, metersView } from "./meter-views.ts";
import { overviewView } from "./overview-view.ts";
import { readPasswordHash, verifyPassword } from "./password.ts";
import { cookieValue, sessionCookie, sessionSetCookie, type Sessions } from "./sessions.ts";
import type { WebSources } from "./sources.ts";

/** How a listener serves the page: over TLS or not, and whether looking needs sign-in (LAN). */
export interface ListenerMode {
  readonly secure: boolean;
  readonly viewNeedsSignIn: boolean;
}

export interface WebHandlerDeps {
  readonly sources: WebSources;
  readonly technician: TechnicianOps;
  readonly sessions: Sessions;
  readonly live: LiveUpdates;
  readonly assets: ReadonlyMap<string, Asset>;
  readonly dataDir: string;
}

type Route = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  mode: ListenerMode,
) => Promise<void> | void;

export class WebHandler {
  constructor(private readonly deps: WebHandlerDeps) {}

  /** Serves the request when it is the page's; false for other paths (the local API's own). */
  async handle(req: IncomingMessage, res: ServerResponse, mode: ListenerMode): Promise<boolean> {
    const url = new URL(req.url ?? "/", "http://gateway");
    const route = this.route(req.method ?? "GET", url.pathname);
    if (route === undefined) return false;
    await route(req, res, url, mode);
    return true;
  }

  private route(method: string, path: string): Route | undefined {
    if (method === "GET" && (path === "/" || path === "/index.html"))
      return (req, res) => this.asset(req, res, "index.html");
    if (method === "GET" && path.startsWith("/assets/"))
      return (req, res) => this.asset(req, res, path.slice("/assets/".length));
    if (!path.startsWith("/api/ui/")) return undefined;
    const name = path.slice("/api/ui/".length);
    if (method === "GET" && name === "session") return (req, res, _u, mode) => this.session(req, res, mode);
    if (method === "POST" && name === "sign-in") return (req, res, _u, mode) => this.signIn(req, res, mode);
    if (method === "POST" && name === "sign-out") return (req, res, _u, mode) => this.signOut(req, res, mode);
    if (method === "POST" && name.startsWith("actions/"))
      return (req, res, _u, mode) => this.action(req, res, mode, name.slice(8));
    if (method === "GET") return (req, res, url, mode) => this.view(req, res, url, mode, name);
    return (_req, res) => sendError(res, 405, "METHOD", `${method} is not allowed on ${path}`);
  }

  private asset(req: IncomingMessage, res: ServerResponse, name: string): void {
    const asset = this.deps.assets.get(name);
    if (asset === undefined) return sendError(res, 404, "NOT_FOUND", `no asset '${name}'`);
    const headers = {
      ...securityHeaders,
      "content-type": asset.type,
      etag: asset.etag,
      "cache-control": "no-cache",
    };
    if (req.headers["if-none-match"] === asset.etag) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, "content-length": String(asset.body.length) }).end(asset.body);
  }

  private token(req: IncomingMessage): string | undefined {
    return cookieValue(req.headers.cookie, sessionCookie);
  }

  private session(req: IncomingMessage, res: ServerResponse, mode: ListenerMode): void {
    const session = this.deps.sessions.check(this.token(req));
    sendJson(res, 200, {
      signedIn: session !== undefined,
      csrf: session?.csrf ?? null,
      passwordSet: readPasswordHash(this.deps.dataDir) !== undefined,
      viewNeedsSignIn: mode.viewNeedsSignIn,
    });
  }

  private async signIn(req: IncomingMessage, res: ServerResponse, mode: ListenerMode): Promise<void> {
    const { sessions, dataDir } = this.deps;
    if (!sameOriginJson(req, mode.secure))
      return sendError(res, 403, "CROSS_SITE", "sign in from the page itself");
    const waitMs = sessions.throttledForMs();
    if (waitMs > 0)
      return sendError(
        res,
        429,
        "THROTTLED",
        `too many wrong passwords; try again in ${Math.ceil(waitMs / 1000)} s`,
      );
    const stored = readPasswordHash(dataDir);
    if (stored === undefined)
      return sendError(
        res,
        403,
        "NO_PASSWORD",
        "no technician password is set: run meter-gateway passwd -c <config file>",
      );
    const body = (await readJsonBody(req)) as { password?: unknown } | undefined;
    const password = typeof body?.password === "string" ? body.password : "";
    if (!(await verifyPassword(password, stored))) {
      sessions.failed();
      return sendError(res, 401, "WRONG_PASSWORD", "wrong password");
    }
    const { token, csrf } = sessions.create();
    sendJson(res, 200, { signedIn: true, csrf }, { "set-cookie": sessionSetCookie(token, mode.secure) });
  }

  private signOut(req: IncomingMessage, res: ServerResponse, mode: ListenerMode): void {
    if (!sameOriginJson(req, mode.secure))
      return sendError(res, 403, "CROSS_SITE", "sign out from the page itself");
    this.deps.sessions.end(this.token(req));
    sendJson(res, 200, { signedIn: false }, { "set-cookie": sessionSetCookie("", mode.secure) });
  }

  private async action(
    req: IncomingMessage,
    res: ServerResponse,
    mode: ListenerMode,
    name: string,
  ): Promise<void> {
    const { sessions, technician } = this.deps;
    const token = this.token(req);
    if (sessions.check(token) === undefined)
      return sendError(res, 401, "SIGN_IN_REQUIRED", "sign in as the technician to do this");
    const csrf = req.headers["x-csrf-token"];
    if (
      !sameOriginJson(req, mode.secure) ||
      !sessions.csrfMatches(token, typeof csrf === "string" ? csrf : undefined)
    )
      return sendError(res, 403, "CROSS_SITE", "the request did not come from the page (CSRF check failed)");
    if (!isActionName(name)) return sendError(res, 404, "NOT_FOUND", `no action '${name}'`);
    const outcome = await runAction(technician, name, await readJsonBody(req));
    sendJson(res, outcome.ok ? 200 : outcome.code === "SCHEMA" ? 400 : 409, outcome);
  }

  private view(req: IncomingMessage, res: ServerResponse, url: URL, mode: ListenerMode, name: string): void {
    const { sources, sessions, live } = this.deps;
    if (mode.viewNeedsSignIn && sessions.check(this.token(req)) === undefined)
      return sendError(res, 401, "SIGN_IN_REQUIRED", "sign in as the technician to see this gateway");
    const q = (key: string) => url.searchParams.get(key) || undefined;
    if (name === "live") return live.subscribe(res);
    if (name === "overview") return sendJson(res, 200, overviewView(sources));
    if (name === "meters") return sendJson(res, 200, metersView(sources));
    if (name.startsWith("meters/")) {
      const meterId = decodeURIComponent(name.slice("meters/".length));
      const detail = meterDetailView(sources, meterId);
      return detail === undefined
        ? sendError(res, 404, "UNKNOWN_METER", `no meter '${meterId}'`)
        : sendJson(res, 200, detail);
    }
    if (name === "events") {
      const before = Number(q("before"));
      return sendJson(
        res,
        200,
        eventsView(sources, {
          ...(q("meter") === undefined ? {} : { meterId: q("meter")! }),
          ...(q("type") === undefined ? {} : { type: q("type")! }),
          ...(q("severity") === undefined ? {} : { severity: q("severity")! }),
          ...(Number.isSafeInteger(before) && before > 0 ? { beforeId: before } : {}),
          limit: 200,
        }),
      );
    }
    sendError(res, 404, "NOT_FOUND", `no view '${name}'`);
  }
}
