/**
 * Who may reach the web page beyond this machine: `http.listen` on the LAN is refused at start until the
 * technician password is set (the error names the field); once set, the page is served over TLS with the
 * configured certificate, looking needs sign-in, the session cookie is HttpOnly, SameSite=Strict and
 * Secure, and a sign-in from another origin is refused.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { gatewayCli, runCli } from "../helpers/run-cli.ts";
import { freePort, tempDir } from "../helpers/index.ts";
import { startService } from "../helpers/service.ts";
import { generateTestPki } from "../helpers/tls-certs.ts";

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A gateway without meters whose page listens on all addresses at `port`, with TLS files if given. */
const config =
  (port: number, tls?: { cert: string; key: string }) =>
  ({ dataDir, httpPort }: { dataDir: string; httpPort: number }) =>
    `gateway: { id: gw-lan, dataDir: ${dataDir}, logLevel: warn, httpPort: ${httpPort} }
buses: []
meters: []
http:
  listen: "0.0.0.0:${port}"
${tls === undefined ? "" : `  tls: { cert: ${tls.cert}, key: ${tls.key} }\n`}`;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request trusting only the test CA. */
function https(
  url: string,
  ca: Buffer,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? "GET", headers: options.headers, ca, timeout: 5000 },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${url}: no answer within 5000 ms`)));
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("the web page beyond this machine (http.listen)", () => {
  it(
    "refuses to start on the LAN without a technician password, naming http.listen",
    { timeout: 60_000 },
    async () => {
      const dir = await tempDir("web-lan-");
      cleanups.push(() => dir.remove());
      const port = await freePort();
      const file = join(dir.path, "config.yaml");
      writeFileSync(file, config(port)({ dataDir: join(dir.path, "data"), httpPort: await freePort() }));
      const run = await runCli(gatewayCli, ["run", "-c", file]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `${file}:5:11 http.listen: listening on 0.0.0.0:${port} opens the web page beyond this machine, which needs the technician password; none is set (${join(dir.path, "data", "technician-password")}): run meter-gateway passwd -c <config file>\n`,
      );
      const short = await runCli(gatewayCli, ["passwd", "-c", file], { input: "short\n" });
      expect(short.code).toBe(2);
      expect(short.stderr).toBe("error: the password must have at least 8 characters\n");
    },
  );

  it(
    "serves the page over TLS where looking needs sign-in and the cookie is Secure",
    { timeout: 60_000 },
    async () => {
      const dir = await tempDir("web-tls-");
      cleanups.push(() => dir.remove());
      const pki = await generateTestPki(dir.path);
      const ca = readFileSync(pki.ca);
      const port = await freePort();
      const configFile = join(dir.path, "config.yaml");
      // The password is set before the first start, as an installer would.
      writeFileSync(configFile, config(port)({ dataDir: join(dir.path, "data"), httpPort: 1 }));
      const passwd = await runCli(gatewayCli, ["passwd", "-c", configFile], {
        input: "correct horse battery\n",
      });
      expect(passwd.code, passwd.stderr).toBe(0);
      const service = await startService({
        dir,
        config: config(port, { cert: pki.serverCert, key: pki.serverKey }),
      });
      cleanups.push(() => service.stop());
      const base = `https://127.0.0.1:${port}`;

      const page = await https(`${base}/`, ca);
      expect(page.status).toBe(200);
      expect(page.body).toContain('<script type="module" src="/assets/app.js">');
      expect(JSON.parse((await https(`${base}/api/ui/meters`, ca)).body)).toMatchObject({
        code: "SIGN_IN_REQUIRED",
      });

      const json = { "content-type": "application/json" };
      const signIn = (origin: string, password: string) =>
        https(`${base}/api/ui/sign-in`, ca, {
          method: "POST",
          headers: { ...json, origin },
          body: JSON.stringify({ password }),
        });
      expect((await signIn("https://evil.example", "correct horse battery")).status).toBe(403);
      expect((await signIn(base, "wrong horse")).status).toBe(401);
      const ok = await signIn(base, "correct horse battery");
      expect(ok.status).toBe(200);
      const cookie = String(ok.headers["set-cookie"]);
      expect(cookie).toMatch(/^mg_session=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\/; Secure$/);
      const meters = await https(`${base}/api/ui/meters`, ca, { headers: { cookie: cookie.split(";")[0]! } });
      expect(meters.status).toBe(200);
      expect(JSON.parse(meters.body)).toMatchObject({ meters: [] });
      // The 127.0.0.1 local API serves the page too, where looking needs no sign-in.
      const local = await fetch(`http://127.0.0.1:${service.httpPort}/api/ui/meters`);
      expect(local.status).toBe(200);
    },
  );
});
