/**
 * A prepayment terminal end to end: the simulator serves a prepaid meter and a terminal over real TCP,
 * the real gateway (config, bus, engine, SQLite, outbox) drives both, and a real mosquitto carries the
 * platform's side. What the customer saw is read back from the simulated terminal's registers.
 * Metering runs on accelerated time (x60) so credit runs out within seconds; the uplink and the wire
 * run on real time.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AcceleratedClock, SystemClock } from "../../core/clock.ts";
import { silentLogger } from "../../core/logger.ts";
import { parseConfig } from "../../gateway/config/index.ts";
import { Gateway } from "../../gateway/service/gateway.ts";
import { modbusTransportFactory } from "../../protocols/modbus/transport/factory.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { startSimulator } from "../../simulator/start.ts";
import { addTerminal } from "../../simulator/terminals/terminals.ts";
import { freePort, startMosquitto, tempDir, waitFor } from "../helpers/index.ts";
import { Platform } from "../helpers/platform.ts";
import { signedRequest, testKeyText } from "../helpers/uplink/fixtures.ts";

const profiles = loadProfiles();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function site() {
  const broker = await startMosquitto();
  cleanups.push(() => broker.stop());
  const dir = await tempDir("terminals-");
  cleanups.push(() => dir.remove());
  const clock = new AcceleratedClock(60, Date.now());
  const sim = await startSimulator({
    endpoint: { kind: "tcp", host: "127.0.0.1", port: 0 },
    meters: [
      { unit: 1, profile: requireProfile(profiles, "generic-prepaid"), powerW: 2000, importEnergyWh: 1e6 },
    ],
    simClock: clock,
  });
  cleanups.push(() => sim.stop());
  const terminal = addTerminal(sim.simulation, sim.bus.name, 20);
  writeFileSync(join(dir.path, "command.key"), `${testKeyText}\n`);
  const parsed = parseConfig(siteConfig(join(dir.path, "data"), sim.port!, broker.url, await freePort()), {
    baseDir: dir.path,
    profileNames: () => new Map([...profiles].map(([id, p]) => [id, p.protocol])),
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const platform = await Platform.connect(broker.url);
  cleanups.push(() => platform.close());
  const startGateway = async () => {
    const started = new Gateway(parsed.config, {
      ...{ clock, wireClock: new SystemClock(), uplinkClock: new SystemClock(), logger: silentLogger() },
      ...{ transportFactory: modbusTransportFactory, profiles },
    });
    await started.start();
    cleanups.push(() => started.stop());
    return started;
  };
  const gateway = await startGateway();
  await platform.until(() => platform.on("status").at(-1)?.payload["state"] === "online", "gateway online");
  const send = async (command: string, params: Record<string, unknown>) => {
    const response = await platform.request(command, signedRequest(command, params, { nowMs: Date.now() }));
    expect(response).toMatchObject({ status: "ok" });
    return response;
  };
  const requests = () =>
    platform
      .on("requests")
      .map((m) => m.payload as { key: string; epoch: string; body: Record<string, unknown> });
  const status = async (on: Gateway) => {
    const response = await fetch(`http://127.0.0.1:${on.httpPort}/status`);
    return (await response.json()) as { terminals: Array<Record<string, unknown>>; problems?: string[] };
  };
  return {
    broker,
    sim,
    terminal,
    gateway,
    platform,
    send,
    requests,
    status,
    startGateway,
    meter: sim.bus.meters.get(1)!,
  };
}

function siteConfig(dataDir: string, port: number, url: string, httpPort: number): string {
  return `
gateway: { id: gw-test, dataDir: ${dataDir}, timezone: UTC, httpPort: ${httpPort} }
buses: [{ id: street, transport: tcp, host: 127.0.0.1, port: ${port}, timeoutMs: 300, interFrameGapMs: 2 }]
meters:
  - { id: flat-1, bus: street, unit: 1, profile: generic-prepaid, account: a1, pollIntervalMs: 30000 }
accounts:
  - { id: a1, tariff: flat, balance: "0.30", alarm1: "0.25", alarm2: "0.15", overdraftLimit: "0", closeAllowedMin: "0" }
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
policy: { cutNoticeMs: 60000, friendlyPeriods: [], friendlyDays: [], maxRelayOpsPerHour: 10 }
terminals:
  - { id: flat-1-display, bus: street, unit: 20, account: a1, refreshMs: 30000, inputPollMs: 6000 }
mqtt: { url: "${url}", commandKeyFile: command.key, pollIntervalMs: 50 }
`;
}

const fen = (balanceE7: number) => Math.floor(balanceE7 / 100_000);

describe("prepayment terminal with the simulator and a real broker", () => {
  it("shows balance, alarms and the cut; relays a token and its answer; a signed top-up restores", async () => {
    const { terminal, gateway, send, requests, meter } = await site();
    const shown = () => terminal.display();
    const balanceFen = () => fen(gateway.store.accounts.get("a1")!.balanceE7);

    // Shown once after the start, then each change of balance as the meter is billed.
    await waitFor(() => shown()["balanceFen"] === 30 && shown()["priceE4"] === 10_000, {
      description: "opening balance and price on the display",
    });
    await waitFor(() => (shown()["balanceFen"] as number) < 30 && shown()["balanceFen"] === balanceFen(), {
      description: "a charged balance on the display",
      timeoutMs: 15_000,
    });
    await waitFor(() => shown()["alarm"] === 1, { description: "alarm 1 on the display", timeoutMs: 15_000 });
    expect(shown()["message"]).toBe("Low credit: please top up");
    await waitFor(() => shown()["alarm"] === 2, { description: "alarm 2 on the display", timeoutMs: 15_000 });
    expect(shown()["message"]).toBe("Credit very low: top up now");
    await waitFor(() => !meter.relayClosed && shown()["supply"] === 2, {
      description: "the cut on the meter and on the display",
      timeoutMs: 20_000,
    });
    expect(shown()["message"]).toBe("Supply cut: top up to restore");

    // A token typed at the keypad reaches the platform as typed, and the terminal shows "pending".
    terminal.enter({ token: "12345678901234567890" });
    await waitFor(() => requests().length === 1, { description: "the token on the requests topic" });
    // The key is the stream epoch (docs/mqtt.md 3.1) then terminal:{terminalId}:{entryId}.
    expect(requests()[0]).toMatchObject({
      key: `${requests()[0]!.epoch}:terminal:flat-1-display:1`,
      body: {
        kind: "terminal.token",
        terminalId: "flat-1-display",
        accountId: "a1",
        entryId: 1,
        token: "12345678901234567890",
      },
    });
    await waitFor(() => terminal.answer()["status"] === 1 && terminal.pending.length === 0, {
      description: "pending on the terminal, entry taken off its queue",
    });
    expect(terminal.answer()).toMatchObject({ entryId: 1, reason: "pending" });

    // The vending system accepted it: the credit comes as a signed topup, the answer follows.
    await send("topup", { account: "a1", amountFen: 1000, purchaseSeq: 1, paymentRef: "sts-1" });
    await send("terminal.answer", { terminal: "flat-1-display", entryId: 1, status: "accepted" });
    await waitFor(() => terminal.answer()["status"] === 2, { description: "accepted on the terminal" });
    expect(terminal.answer()["balanceFen"]).toBeGreaterThan(900);
    await waitFor(() => meter.relayClosed, { description: "the meter restored", timeoutMs: 20_000 });
    await waitFor(() => shown()["supply"] === 0 && shown()["alarm"] === 0, {
      description: "supply on, shown",
    });
    // The same purchase again is a duplicate: credited once.
    const again = await send("topup", {
      account: "a1",
      amountFen: 1000,
      purchaseSeq: 1,
      paymentRef: "sts-1",
    });
    expect(again).toMatchObject({ result: { status: "duplicate" } });
  }, 90_000);

  it("keeps entries made during a broker outage, shows them pending, and delivers each once after it", async () => {
    const { broker, terminal, gateway, platform, requests } = await site();
    await waitFor(() => terminal.displayWrites > 0, { description: "first display write" });
    await broker.stop();
    await waitFor(() => gateway.uplink?.connected === false, { description: "uplink down" });
    terminal.enter({ token: "11112222333344445555" });
    terminal.enter({ amountFen: 5000, reference: "card-7" });
    await waitFor(() => terminal.pending.length === 0 && terminal.answer()["entryId"] === 2, {
      description: "both entries taken and the second shown pending",
    });
    expect(terminal.answer()).toMatchObject({ status: 1, reason: "pending" });
    expect(gateway.store.outbox.backlogCount("requests")).toBe(2);

    await broker.restart();
    // The platform must be subscribed again before the gateway reconnects (outage.test.ts).
    await platform.until(() => platform.client.connected, "platform reconnected");
    await platform.client.subscribeAsync("mg/gw-test/#", { qos: 1 });
    await waitFor(() => gateway.store.outbox.backlogCount("requests") === 0 && requests().length >= 2, {
      description: "both entries delivered",
      timeoutMs: 20_000,
    });
    expect(requests().map((r) => [r.key, r.body["kind"]])).toEqual([
      [`${requests()[0]!.epoch}:terminal:flat-1-display:1`, "terminal.token"],
      [`${requests()[0]!.epoch}:terminal:flat-1-display:2`, "terminal.purchase"],
    ]);
    expect(requests()[1]).toMatchObject({ historical: true, body: { amountFen: 5000, reference: "card-7" } });
  }, 90_000);

  it("shows the platform's message; counts a busy terminal's failures without holding up polls; shows all again after a restart", async () => {
    const { terminal, gateway, send, status, startGateway } = await site();
    await send("terminal.message", {
      terminal: "flat-1-display",
      text: "Office closed Monday",
      until: Date.now() + 864e6,
    });
    await waitFor(() => terminal.display()["message"] === "Office closed Monday", {
      description: "the message shown",
    });

    terminal.fault = "busy";
    const polledAt = () => gateway.store.readings.latestForMeter("flat-1")?.atMs ?? 0;
    const before = polledAt();
    await waitFor(async () => ((await status(gateway)).terminals[0]?.["displayFailures"] as number) > 0, {
      description: "a failed display write counted",
      timeoutMs: 15_000,
    });
    await waitFor(() => polledAt() > before, {
      description: "the meter polled meanwhile",
      timeoutMs: 15_000,
    });
    const degraded = await status(gateway);
    expect(degraded.terminals[0]).toMatchObject({ id: "flat-1-display" });
    expect(degraded.terminals[0]?.["lastError"]).toMatch(/exception 0x06/);
    terminal.fault = "none";
    await waitFor(async () => (await status(gateway)).terminals[0]?.["lastError"] === undefined, {
      description: "the terminal answering again",
      timeoutMs: 15_000,
    });

    await gateway.stop();
    const writes = terminal.displayWrites;
    const restarted = await startGateway();
    await waitFor(() => terminal.displayWrites > writes && terminal.display()["sequence"] === 1, {
      description: "the display written again after the restart",
    });
    expect(restarted.httpPort).toBeDefined();
  }, 90_000);
});
