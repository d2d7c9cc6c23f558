/**
 * The technician's web page in a real headless chromium, against `meter-gateway run` (a child process)
 * polling simulated prepaid meters over Modbus TCP and a real mosquitto: it lists the meters, shows a
 * platform's cut with its reason live (no reload), a signed-in relay test reaches the simulator's write
 * log, and actions without a session or without the page's CSRF token are refused. Screenshots of each
 * page go to test/artifacts/ (git-ignored).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { startSimulator, type RunningSimulator } from "../../simulator/start.ts";
import { launchBrowser, type Browser, type Page } from "../helpers/browser.ts";
import { profiles } from "../helpers/bus-harness.ts";
import { gatewayCli, runCli } from "../helpers/run-cli.ts";
import { startMosquitto, tempDir, waitFor, type MosquittoBroker, type TempDir } from "../helpers/index.ts";
import { startService, type ServiceUnderTest } from "../helpers/service.ts";

const artifacts = fileURLToPath(new URL("../artifacts/", import.meta.url));
const password = "meter-room-7731";

let broker: MosquittoBroker;
let sim: RunningSimulator;
let dir: TempDir;
let service: ServiceUnderTest;
let browser: Browser;
let page: Page;
let base: string;
let clientConfig: string;

beforeAll(async () => {
  broker = await startMosquitto();
  sim = await startSimulator({
    endpoint: { kind: "tcp", host: "127.0.0.1", port: 0 },
    meters: [1, 2, 3].map((unit) => ({
      unit,
      profile: requireProfile(profiles, "generic-prepaid"),
      powerW: 1000 * unit,
      importEnergyWh: 1_000_000 * unit,
    })),
  });
  dir = await tempDir("web-page-");
  const keyFile = join(dir.path, "command.key");
  writeFileSync(keyFile, "web-page-test-command-key-0123456789abcdef\n");
  clientConfig = join(dir.path, "client.yaml");
  writeFileSync(clientConfig, `url: "${broker.url}"\ngatewayId: gw-web\ncommandKeyFile: ${keyFile}\n`);
  service = await startService({
    dir,
    config: ({
      dataDir,
      httpPort,
    }) => `gateway: { id: gw-web, dataDir: ${dataDir}, logLevel: warn, httpPort: ${httpPort} }
buses: [{ id: site, transport: tcp, host: 127.0.0.1, port: ${sim.port}, timeoutMs: 500 }]
meters:
  - { id: m1, bus: site, unit: 1, profile: generic-prepaid, account: a1, pollIntervalMs: 500 }
  - { id: m2, bus: site, unit: 2, profile: generic-prepaid, account: a2, pollIntervalMs: 500 }
  - { id: m3, bus: site, unit: 3, profile: generic-prepaid, account: a3, pollIntervalMs: 500 }
accounts:
  - { id: a1, tariff: flat, balance: "500.00" }
  - { id: a2, tariff: flat, balance: "80.00", protected: { reason: life support } }
  - { id: a3, tariff: flat, balance: "120.00" }
tariffs: [{ id: flat, kind: flat, price: "0.5283" }]
mqtt: { url: "${broker.url}", commandKeyFile: ${keyFile} }
`,
  });
  base = `http://127.0.0.1:${service.httpPort}`;
  const passwd = await runCli(gatewayCli, ["passwd", "-c", service.configFile], { input: `${password}\n` });
  expect(passwd.stderr).toBe("");
  expect(passwd.stdout).toContain("technician password set");
  await waitFor(
    async () => {
      const meters = ((await service.status())["meters"] ?? []) as Array<{ relay: string | null }>;
      return meters.length === 3 && meters.every((m) => m.relay === "closed");
    },
    { timeoutMs: 20_000, description: "every meter polled with its relay position" },
  );
  browser = await launchBrowser();
  page = await browser.newPage();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  await sim?.stop();
  await broker?.stop();
  await dir?.remove();
});

const rowText = (meterId: string, cell: string) =>
  `(document.querySelector('tr[data-meter="${meterId}"] td${cell}')?.textContent ?? "")`;

describe("the web page in headless chromium", () => {
  it("lists the meters with their reading, balance in yuan and relay, within 300 kB", async () => {
    await page.goto(`${base}/#/meters`);
    const ids = await page.waitFor<string[]>(
      `(() => { const ids = [...document.querySelectorAll('table.meters tbody tr')].map((r) => r.dataset.meter); return ids.length === 3 ? ids : null; })()`,
      "three meter rows",
    );
    expect(ids).toEqual(["m1", "m2", "m3"]);
    const m1 = await page.eval<string[]>(
      `[...document.querySelectorAll('tr[data-meter="m1"] td')].map((td) => td.textContent)`,
    );
    expect(m1[0]).toBe("m1");
    expect(m1[1]).toMatch(/^a1/);
    expect(m1[2]).toBe("online");
    expect(m1[5]).toMatch(/^¥\d+\.\d\d$/);
    expect(m1[7]).toBe("closed");
    expect(await page.eval(rowText("m2", ".cut"))).toBe("–protected: life support");
    // Search by account narrows the list.
    await page.eval(
      `(() => { const s = document.querySelector('input[type=search]'); s.value = 'a3'; s.dispatchEvent(new Event('input')); })()`,
    );
    expect(await page.eval(`document.querySelectorAll('table.meters tbody tr').length`)).toBe(1);
    await page.eval(
      `(() => { const s = document.querySelector('input[type=search]'); s.value = ''; s.dispatchEvent(new Event('input')); })()`,
    );
    const bytes = page.bytesLoaded();
    console.info(`web page weight: ${bytes} bytes over the network`);
    expect(bytes).toBeLessThan(300 * 1024);
    await page.screenshot(join(artifacts, "web-meters.png"));
    expect(page.errors).toEqual([]);
  });

  it("shows a platform's cut with its reason live, without a reload", { timeout: 60_000 }, async () => {
    await page.goto(`${base}/#/meters`);
    await page.waitFor(`document.querySelectorAll('table.meters tbody tr').length === 3`, "the meter rows");
    await page.eval(`window.notReloaded = true`);
    const cut = await runCli(gatewayCli, [
      "command",
      "relay",
      "-c",
      clientConfig,
      "--meter",
      "m3",
      "--action",
      "cut",
      "--reason",
      "tamper check",
    ]);
    expect(cut.code, cut.stderr).toBe(0);
    const text = await page.waitFor<string>(
      `(${rowText("m3", ".cut")}).includes("tamper check") && ${rowText("m3", ".cut")}`,
      "the cut and its reason in m3's row",
    );
    expect(text).toBe("cut: remote: tamper check");
    await page.waitFor(`${rowText("m3", ":nth-child(8)")} === "open"`, "m3's relay read back open");
    expect(await page.eval(`window.notReloaded === true`)).toBe(true);
    await page.screenshot(join(artifacts, "web-meters-cut.png"));
    expect(sim.bus.writeLog.filter((w) => w.unit === 3).map((w) => w.value)).toEqual([0]);
  });

  it("refuses an action without a session, and one without the page's CSRF token", async () => {
    const post = (path: string, headers: Record<string, string>) =>
      page.eval<{ status: number; body: { code: string } }>(
        `fetch(${JSON.stringify(path)}, { method: "POST", headers: ${JSON.stringify(headers)}, body: JSON.stringify({ meter: "m1", confirm: true }) }).then(async (r) => ({ status: r.status, body: await r.json() }))`,
      );
    const anonymous = await post("/api/ui/actions/relay-test", { "content-type": "application/json" });
    expect(anonymous).toEqual({
      status: 401,
      body: { ok: false, code: "SIGN_IN_REQUIRED", message: "sign in as the technician to do this" },
    });
    // Signed in (the session cookie is sent), but the CSRF token is not: refused too.
    await signIn();
    const noToken = await post("/api/ui/actions/relay-test", { "content-type": "application/json" });
    expect(noToken.status).toBe(403);
    expect(noToken.body.code).toBe("CROSS_SITE");
    expect(sim.bus.writeLog.filter((w) => w.unit === 1)).toEqual([]);
    const wrong = await fetch(`${base}/api/ui/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ password: "guess" }),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
  });

  it("a signed-in relay test cuts and restores m1 on the simulator, audited as the technician", async () => {
    await signIn();
    await page.goto(`${base}/#/meter/m1`);
    await page.waitFor(`document.querySelector('#relay-test')`, "the relay test button");
    await page.click("#relay-test");
    await page.click("#relay-test-confirm");
    const result = await page.waitFor<string>(
      `document.querySelector('#relay-test-result')?.textContent`,
      "the relay test's result",
      30_000,
    );
    expect(result).toBe("Relay test passed");
    expect(sim.bus.writeLog.filter((w) => w.unit === 1).map((w) => [w.fc, w.value])).toEqual([
      [5, 0],
      [5, 1],
    ]);
    const ops = await page.waitFor<string[][]>(
      `(() => { const rows = [...document.querySelectorAll('table.relay-ops tbody tr')].map((r) => [...r.children].map((td) => td.textContent)); return rows.length === 2 ? rows : null; })()`,
      "two relay operations in the audit trail",
    );
    expect(ops.map((r) => [r[1], r[2], r[3], r[4], r[5]])).toEqual([
      ["restore", "remote: relay test by a local technician", "technician", "ok", "closed"],
      ["cut", "remote: relay test by a local technician", "technician", "ok", "open"],
    ]);
    const events = await fetch(`${base}/api/ui/events?meter=m1&type=command.executed`).then(
      (r) => r.json() as Promise<{ events: Array<{ message: string }> }>,
    );
    expect(events.events.map((e) => e.message)).toEqual(["relay.test executed (local technician (web))"]);
    await page.screenshot(join(artifacts, "web-meter-detail.png"));
    // Read now, while the service holds the port: the reading comes back through its bus.
    await page.click("#read-now");
    const toast = await page.waitFor<string>(
      `document.querySelector('#toast').textContent.startsWith("Read m1:") && document.querySelector('#toast').textContent`,
      "the read's values",
    );
    expect(toast).toMatch(/^Read m1: .*importEnergyWh \d+/);
    // A protected account: the button is off, and the action is refused by the gateway.
    await page.goto(`${base}/#/meter/m2`);
    expect(await page.waitFor(`document.querySelector('#relay-test')?.disabled`, "m2's relay test off")).toBe(
      true,
    );
    const refused = await page.eval<{ code: string }>(
      `import("/assets/api.js").then((api) => api.act("relay-test", { meter: "m2", confirm: true }, () => ""))`,
    );
    expect(refused.code).toBe("PROTECTED");
    expect(sim.bus.writeLog.filter((w) => w.unit === 2)).toEqual([]);
    expect(page.errors).toEqual([]);
  });

  it("tops up on site through the page's form and shows it in the balance history", async () => {
    await signIn();
    await page.goto(`${base}/#/meter/m3`);
    await page.waitFor(`document.querySelector('#topup')`, "the top-up button");
    await page.click("#topup");
    await page.waitFor(`document.querySelector('#dialog[open] input[name=yuan]')`, "the top-up form");
    await page.eval(`(() => {
      const set = (name, value) => (document.querySelector('#dialog input[name=' + name + ']').value = value);
      set("yuan", "25.50"); set("seq", "1"); set("ref", "receipt-0042");
    })()`);
    await page.click("#dialog button[type=submit]");
    const toast = await page.waitFor<string>(
      `document.querySelector('#toast').textContent.startsWith("Top-up") && document.querySelector('#toast').textContent`,
      "the top-up's outcome",
    );
    expect(toast).toMatch(/^Top-up applied: balance ¥145\.\d+$/);
    const ledger = await page.waitFor<string[]>(
      `(() => { const kinds = [...document.querySelectorAll('h2 + .table-wrap tbody tr td:nth-child(2)')].map((td) => td.textContent); return kinds.includes("topup") ? kinds : null; })()`,
      "the top-up in the balance history",
    );
    expect(ledger).toContain("topup");
  });

  it("shows the overview and the events, and fits a phone screen", async () => {
    await page.goto(`${base}/#/overview`);
    const health = await page.waitFor<string>(
      `document.querySelector('#health .big')?.textContent`,
      "health",
    );
    expect(["OK", "Degraded"]).toContain(health);
    expect(await page.eval(`document.querySelector('.card .big').textContent`)).toBe("gw-web");
    await page.screenshot(join(artifacts, "web-overview.png"));
    await page.goto(`${base}/#/events?meter=m3`);
    const types = await page.waitFor<string[]>(
      `(() => { const t = [...document.querySelectorAll('table.events tbody tr td:nth-child(3)')].map((td) => td.textContent); return t.includes("cut.done") ? t : null; })()`,
      "m3's cut.done in the events",
    );
    expect(types).toContain("command.executed");
    await page.screenshot(join(artifacts, "web-events.png"));
    const phone = await browser.newPage({ width: 390, height: 844, mobile: true });
    await phone.goto(`${base}/#/meters`);
    await phone.waitFor(`document.querySelectorAll('table.meters tbody tr').length === 3`, "rows on a phone");
    // No sideways scrolling: the table turns into one card per meter.
    expect(await phone.eval(`document.documentElement.scrollWidth <= 390`)).toBe(true);
    await phone.screenshot(join(artifacts, "web-meters-phone.png"));
    expect(phone.errors).toEqual([]);
  });
});

/** Signs in through the page's own dialog, as a technician would. */
async function signIn(): Promise<void> {
  if ((await page.eval(`document.querySelector('#session').dataset.state`)) === "in") return;
  await page.click("#session");
  await page.waitFor(`document.querySelector('#dialog[open] input[name=password]')`, "the sign-in dialog");
  await page.eval(
    `document.querySelector('#dialog input[name=password]').value = ${JSON.stringify(password)}`,
  );
  await page.click("#dialog button[type=submit]");
  await page.waitFor(`document.querySelector('#session').dataset.state === "in"`, "signed in");
}
