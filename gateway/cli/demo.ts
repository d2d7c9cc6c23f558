/**
 * `meter-gateway demo` (what `npm start` runs): simulated prepaid meters on a Modbus TCP endpoint,
 * the real gateway polling them on accelerated time, and a running commentary of what it does:
 * readings, charges, alarms, a cut announced and executed, and a restore after a local top-up.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import type { Command } from "commander";
import { AcceleratedClock, SystemClock } from "../../core/clock.ts";
import { createLogger } from "../../core/logger.ts";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { formatYuan } from "../prepaid/index.ts";
import { Gateway } from "../service/gateway.ts";
import { modbusTransportFactory } from "../../protocols/modbus/transport/factory.ts";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { loadConfigFile } from "./config-file.ts";
import { demoConfig, demoMeters } from "./demo-config.ts";
import { version } from "./version.ts";

interface DemoOptions {
  speed: string;
  httpPort: string;
  mqttPort: string;
  dataDir?: string;
}

/** The embedded broker: aedes on 127.0.0.1 (MQTT 3.1.1), for the demo only. */
async function startBroker(port: number): Promise<{ close(): Promise<void> }> {
  const { Aedes } = await import("aedes");
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      // The broker's own timers would keep the process alive after the error is printed.
      broker.close(() => reject(error.code === "EADDRINUSE" ? portInUse(port, "--mqtt-port") : error)),
    );
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        // The gateway has disconnected by now; subscribers (a tester's client) are dropped.
        server.close(() => broker.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** A busy port as one plain line that names the way out (main.ts prints a GatewayError's message only). */
function portInUse(port: number, flag: "--mqtt-port" | "--http-port"): GatewayError {
  return new GatewayError(
    ErrorCode.EndpointUnavailable,
    `port ${port} is in use (another demo still running?): choose a free one, e.g. npm start -- ${flag} ${port + 1}`,
    { port },
  );
}

/** Registers `demo`: runs until SIGINT or SIGTERM, then stops the gateway, the simulator and the broker. */
export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("run a self-contained demo: simulated prepaid meters, the gateway, on accelerated time")
    .option("--speed <n>", "time acceleration (1..3600)", "120")
    .option("--http-port <port>", "local API port (for topup and status)", "8780")
    .option("--mqtt-port <port>", "port of the embedded MQTT broker", "18830")
    .option("--data-dir <dir>", "where the demo database goes (default: a new temp dir)")
    .action(runDemo);
}

const say = (text: string) => process.stdout.write(`${text}\n`);

async function runDemo(options: DemoOptions): Promise<void> {
  const speed = Number(options.speed);
  const start = Date.now();
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "meter-gateway-demo-"));
  const profiles = loadProfiles();
  const mqttPort = Number(options.mqttPort);
  const broker = await startBroker(mqttPort);
  const { keyFile, clientConfig } = writePlatformFiles(dataDir, mqttPort);
  // Loaded here, not at the top: `meter-gateway run` shares this module graph and should not carry
  // the simulator in its memory.
  const { startSimulator } = await import("../../simulator/start.ts");
  const clock = new AcceleratedClock(speed, start);
  const sim = await startSimulator({
    endpoint: { kind: "tcp", host: "127.0.0.1", port: 0 },
    meters: demoMeters.map((m) => ({
      unit: m.unit,
      profile: requireProfile(profiles, "generic-prepaid"),
      powerW: m.powerW,
      importEnergyWh: m.energyWh,
    })),
    simClock: clock,
  });
  const configFile = join(dataDir, "demo-config.yaml");
  writeFileSync(
    configFile,
    demoConfig({
      dataDir: join(dataDir, "data"),
      simPort: sim.port!,
      httpPort: Number(options.httpPort),
      mqttPort,
      keyFile,
    }),
  );
  const gateway = await startGateway(configFile, clock, Number(options.httpPort), async () => {
    await sim.stop();
    await broker.close();
  });
  printIntro({ address: sim.address, speed, configFile, clientConfig, mqttPort });
  const relayCut = (unit: number) => sim.bus.meters.get(unit)?.relayClosed === false;
  const stopCommentary = startCommentary(gateway, clock, relayCut);
  await new Promise<void>((resolve) => {
    const stop = () => {
      stopCommentary();
      say("\nstopping the demo...");
      gateway
        .stop()
        .then(() => sim.stop())
        .then(() => broker.close())
        .then(resolve, resolve);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

/**
 * The real gateway on the demo's config, metering on the accelerated clock. When it cannot start (the
 * local API's port is taken), what the demo started is stopped and the reason is one plain line.
 */
async function startGateway(
  configFile: string,
  clock: AcceleratedClock,
  httpPort: number,
  stopOthers: () => Promise<void>,
): Promise<Gateway> {
  const { config } = await loadConfigFile(configFile);
  const gateway = new Gateway(config, {
    clock,
    uplinkClock: new SystemClock(),
    wireClock: new SystemClock(),
    version,
    logger: createLogger({ level: "warn", pretty: true }),
    // The commentary prints every event already.
    logEvents: false,
    transportFactory: modbusTransportFactory,
    profiles: loadProfiles(),
  });
  try {
    await gateway.start();
    return gateway;
  } catch (error) {
    await gateway.stop().catch(() => undefined);
    await stopOthers();
    const busy = (error as NodeJS.ErrnoException).code === "EADDRINUSE";
    throw busy ? portInUse(httpPort, "--http-port") : error;
  }
}

/** The command key and the platform-side client config that `meter-gateway command` uses. */
function writePlatformFiles(dataDir: string, mqttPort: number): { keyFile: string; clientConfig: string } {
  const keyFile = join(dataDir, "command.key");
  writeFileSync(keyFile, `demo-command-key-${randomUUID()}\n`, { mode: 0o600 });
  const clientConfig = join(dataDir, "platform-client.yaml");
  writeFileSync(
    clientConfig,
    `# The platform side of the demo: used by 'meter-gateway command'.\nurl: mqtt://127.0.0.1:${mqttPort}\nprotocolVersion: 4\ngatewayId: demo-gw\ncommandKeyFile: ${keyFile}\n`,
  );
  return { keyFile, clientConfig };
}

/** What runs where, and the commands to try. */
function printIntro(demo: {
  address: string;
  speed: number;
  configFile: string;
  clientConfig: string;
  mqttPort: number;
}): void {
  const { address, speed, configFile, clientConfig, mqttPort } = demo;
  say(
    `meter-gateway demo: ${demoMeters.length} simulated prepaid meters on Modbus TCP ${address}, time x${speed}`,
  );
  say(`  config: ${configFile}`);
  for (const m of demoMeters) say(`  ${m.id.padEnd(10)} ${m.note}`);
  say("");
  say(
    "Watch it poll, charge, warn, announce and execute a cut. Then top up as the platform would, and watch the restore:",
  );
  say(
    `  npx meter-gateway command topup --config ${clientConfig} --account flat-2 --amount-fen 2000 --purchase-seq 1 --payment-ref demo-1`,
  );
  say("or as a technician on site (works without the uplink):");
  say(`  npx meter-gateway topup -c ${configFile} --account flat-2 --amount-fen 2000 --seq 1 --ref demo-1`);
  say("See what the platform receives, with any MQTT client:");
  say(
    `  npx mqtt sub -h 127.0.0.1 -p ${mqttPort} -t 'mg/demo-gw/#' -v     (or mosquitto_sub with the same options)`,
  );
  say(`  npx meter-gateway status -c ${configFile}`);
  say("Ctrl-C stops everything.\n");
}

/** Prints new events every 250 ms and the balances every 5 s; returns what stops both. */
function startCommentary(
  gateway: Gateway,
  simClock: AcceleratedClock,
  relayCut: (unit: number) => boolean,
): () => void {
  let lastEventId = 0;
  const stamp = () => new Date(simClock.now()).toISOString().slice(11, 16);
  const tick = setInterval(() => {
    for (const e of gateway.store.events.list({ afterId: lastEventId, limit: 100 })) {
      lastEventId = e.id;
      const body = e.payload as { message?: string };
      say(
        `${stamp()}  ${(e.meterId ?? e.accountId ?? "").padEnd(10)} ${e.type.padEnd(18)} ${body.message ?? ""}`,
      );
    }
  }, 250);
  const balances = setInterval(() => {
    const parts = gateway.store.accounts.list().map((a) => {
      const meter = demoMeters.find((m) => m.account === a.id);
      const relay = meter !== undefined && relayCut(meter.unit) ? " (supply cut)" : "";
      return `${a.id} ${formatYuan(a.balanceE7)}${relay}`;
    });
    say(`${stamp()}  balances: ${parts.join(", ")}`);
  }, 5000);
  return () => {
    clearInterval(tick);
    clearInterval(balances);
  };
}
