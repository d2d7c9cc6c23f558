/**
 * Signed-in technicians: a random session token in an HttpOnly, SameSite=Strict cookie, and a CSRF
 * token the page sends back in a header on every action (a cross-site form can neither read it nor set
 * a header). Sessions live in memory (a restart signs everyone out) and end after an idle time on the
 * monotonic clock. Sign-in failures are throttled so the password cannot be guessed at speed.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "../../core/clock.ts";

/** Name of the session cookie. */
export const sessionCookie = "mg_session";

interface Session {
  readonly csrf: string;
  lastUsedMonoMs: number;
}

/** Failed sign-ins allowed per window before sign-in is refused until the window ends. */
const maxFailures = 5;
const failureWindowMs = 60_000;
/** Sessions kept at once; the least recently used goes first. */
const maxSessions = 32;

export class Sessions {
  private readonly sessions = new Map<string, Session>();
  private failures: number[] = [];

  /** @param idleMs a session unused this long ends: 5 min..24 h */
  constructor(
    private readonly clock: Pick<Clock, "monotonicMs">,
    private readonly idleMs: number,
  ) {}

  /** A new session: its cookie token and its CSRF token. */
  create(): { token: string; csrf: string } {
    const token = randomBytes(32).toString("base64url");
    const csrf = randomBytes(24).toString("base64url");
    this.sessions.set(token, { csrf, lastUsedMonoMs: this.clock.monotonicMs() });
    while (this.sessions.size > maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
    return { token, csrf };
  }

  /** The live session of `token` (its use refreshes it), or undefined. */
  check(token: string | undefined): { csrf: string } | undefined {
    if (token === undefined) return undefined;
    const session = this.sessions.get(token);
    if (session === undefined) return undefined;
    const now = this.clock.monotonicMs();
    if (now - session.lastUsedMonoMs > this.idleMs) {
      this.sessions.delete(token);
      return undefined;
    }
    session.lastUsedMonoMs = now;
    // Most recently used last, so the cap drops the stalest.
    this.sessions.delete(token);
    this.sessions.set(token, session);
    return { csrf: session.csrf };
  }

  /** Whether `sent` is the CSRF token of the session `token`. */
  csrfMatches(token: string | undefined, sent: string | undefined): boolean {
    const session = this.check(token);
    if (session === undefined || sent === undefined) return false;
    const a = Buffer.from(session.csrf);
    const b = Buffer.from(sent);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  end(token: string | undefined): void {
    if (token !== undefined) this.sessions.delete(token);
  }

  /** Whether sign-in is refused for now after too many failures; ms until it is allowed again. */
  throttledForMs(): number {
    const now = this.clock.monotonicMs();
    this.failures = this.failures.filter((t) => now - t < failureWindowMs);
    return this.failures.length < maxFailures ? 0 : failureWindowMs - (now - this.failures[0]!);
  }

  failed(): void {
    this.failures.push(this.clock.monotonicMs());
  }
}

/** The value of cookie `name` in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie value of a session (`Secure` over TLS); an empty token with max-age 0 clears it. */
export function sessionSetCookie(token: string, secure: boolean): string {
  const parts = [`${sessionCookie}=${token}`, "HttpOnly", "SameSite=Strict", "Path=/"];
  if (token === "") parts.push("Max-Age=0");
  if (secure) parts.push("Secure");
  return parts.join("; ");
}
