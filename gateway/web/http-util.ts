/** Small HTTP helpers of the web page: JSON answers with the page's security headers, bodies, cookies. */
import type { IncomingMessage, ServerResponse } from "node:http";

/** Sent with everything: no framing, no sniffing, no referrer, scripts and styles from us only. */
export const securityHeaders: Record<string, string> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...securityHeaders,
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    ...headers,
  });
  res.end(`${JSON.stringify(body)}\n`);
}

/** An error answer: `{ ok: false, code, message }`. */
export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { ok: false, code, message });
}

const maxBodyBytes = 16 * 1024;

/** The JSON body (at most 16 KiB); undefined when it is not JSON or too large. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) return undefined;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Whether a state-changing request may be from our own page: a JSON body (a cross-site HTML form cannot
 * send one) and, when the browser names its origin, our own.
 */
export function sameOriginJson(req: IncomingMessage, secure: boolean): boolean {
  const type = req.headers["content-type"] ?? "";
  if (!type.toLowerCase().startsWith("application/json")) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return origin === `${secure ? "https" : "http"}://${req.headers.host ?? ""}`;
}
