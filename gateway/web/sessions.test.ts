import { describe, expect, it } from "vitest";
import { cookieValue, Sessions, sessionSetCookie } from "./sessions.ts";

/** A monotonic clock the test moves. */
function clock() {
  const c = { ms: 0, monotonicMs: () => c.ms };
  return c;
}

describe("technician sessions", () => {
  it("end after the idle time, and each use keeps them alive", () => {
    const time = clock();
    const sessions = new Sessions(time, 60_000);
    const { token, csrf } = sessions.create();
    time.ms = 59_000;
    expect(sessions.check(token)).toEqual({ csrf });
    time.ms = 118_000; // 59 s after the last use
    expect(sessions.check(token)).toEqual({ csrf });
    time.ms = 178_001;
    expect(sessions.check(token)).toBeUndefined();
    expect(sessions.check("forged")).toBeUndefined();
  });

  it("accept an action only with the session's own CSRF token", () => {
    const sessions = new Sessions(clock(), 60_000);
    const a = sessions.create();
    const b = sessions.create();
    expect(sessions.csrfMatches(a.token, a.csrf)).toBe(true);
    expect(sessions.csrfMatches(a.token, b.csrf)).toBe(false);
    expect(sessions.csrfMatches(a.token, undefined)).toBe(false);
    sessions.end(a.token);
    expect(sessions.csrfMatches(a.token, a.csrf)).toBe(false);
  });

  it("refuse sign-in for a minute after five wrong passwords", () => {
    const time = clock();
    const sessions = new Sessions(time, 60_000);
    for (let i = 0; i < 5; i++) {
      expect(sessions.throttledForMs()).toBe(0);
      sessions.failed();
    }
    expect(sessions.throttledForMs()).toBe(60_000);
    time.ms = 59_999;
    expect(sessions.throttledForMs()).toBe(1);
    time.ms = 60_000;
    expect(sessions.throttledForMs()).toBe(0);
  });

  it("set an HttpOnly, SameSite=Strict cookie, Secure over TLS, and read it back", () => {
    expect(sessionSetCookie("abc", true)).toBe("mg_session=abc; HttpOnly; SameSite=Strict; Path=/; Secure");
    expect(sessionSetCookie("", false)).toBe("mg_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    expect(cookieValue("theme=dark; mg_session=abc; x=1", "mg_session")).toBe("abc");
    expect(cookieValue(undefined, "mg_session")).toBeUndefined();
  });
});
