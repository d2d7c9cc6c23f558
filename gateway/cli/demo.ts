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
import { Option, type Command } from "commander";
import { AcceleratedClock, SystemClock } from "../../core/clock.ts";
import { createLogger } from "../../core/logger.ts";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { Gateway } from "../service/gateway.ts";
import { modbusTransportFactory } from "../../protocols/modbus/transport/factory.ts";
import { requireProfile, type ProfileRegistry } from "../../protocols/profiles/load.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { loadConfigFile } from "./config-file.ts";
import { printIntro, startCommentary } from "./demo-commentary.ts";
import {
  demoConfig,
  demoDltAddress,
  demoDltPassword,
  demoMeters,
  demoProtocols,
  demoUtcOffsetMinutes,
  type DemoProtocol,
} from "./demo-config.ts";
import { demoTerminal, watchTerminal, type TerminalScreen } from "./demo-terminal.ts";
import type { RunningSimulator } from "../../simulator/start.ts";
import { version } from "./version.ts";

interface DemoOptions {
  protocol: DemoProtocol;
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
    .addOption(
      new Option("--protocol <name>", "what the simulated meters speak")
        .choices(demoProtocols)
        .default("modbus"),
    )
    .option("--speed <n>", "time acceleration (1..3600)", "120")
    .option("--http-port <port>", "local API port (for topup and status)", "8780")
    .option("--mqtt-port <port>", "port of the embedded MQTT broker", "18830")
    .option("--data-dir <dir>", "where the demo database goes (default: a new temp dir)")
    .action(runDemo);
}

const say = (text: string) => process.stdout.write(`${text}\n`);

/** The four demo meters on a TCP port of their own: Modbus TCP, or DL/T 645 as a transparent converter. */
async function startDemoMeters(
  protocol: DemoProtocol,
  clock: AcceleratedClock,
  profiles: ProfileRegistry,
): Promise<RunningSimulator & { terminal?: TerminalScreen }> {
  // Loaded here, not at the top: `meter-gateway run` shares this module graph and should not carry
  // the simulator in its memory.
  const { startSimulator } = await import("../../simulator/start.ts");
  const endpoint = { kind: "tcp", host: "127.0.0.1", port: 0 } as const;
  if (protocol === "dlt645") {
    return startSimulator({
      endpoint,
      meters: [],
      dltMeters: demoMeters.map((m) => ({
        unit: m.unit,
        load: { kind: "constant", powerW: m.powerW },
        importEnergyWh: m.energyWh,
        dlt645: { address: demoDltAddress(m.unit), password: demoDltPassword },
      })),
      simClock: clock,
      utcOffsetMinutes: demoUtcOffsetMinutes,
    });
  }
  const sim = await startSimulator({
    endpoint,
    meters: demoMeters.map((m) => ({
      unit: m.unit,
      profile: requireProfile(profiles, "generic-prepaid"),
      powerW: m.powerW,
      importEnergyWh: m.energyWh,
    })),
    simClock: clock,
  });
  const { addTerminal } = await import("../../simulator/terminals/terminals.ts");
  return Object.assign(sim, { terminal: addTerminal(sim.simulation, sim.bus.name, demoTerminal.unit) });
}

async function runDemo(options: DemoOptions): Promise<void> {
  const speed = Number(options.speed);
  const start = Date.now();
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "meter-gateway-demo-"));
  const profiles = loadProfiles();
  const mqttPort = Number(options.mqttPort);
  const broker = await startBroker(mqttPort);
  const { keyFile, clientConfig } = writePlatformFiles(dataDir, mqttPort);
  const clock = new AcceleratedClock(speed, start);
  const sim = await startDemoMeters(options.protocol, clock, profiles);
  const configFile = join(dataDir, "demo-config.yaml");
  // The DL/T 645 meters' relay password, read by the config's relay.passwordFile (never logged).
  if (options.protocol === "dlt645") {
    writeFileSync(join(dataDir, "meter-password"), `${demoDltPassword}\n`, { mode: 0o600 });
  }
  writeFileSync(
    configFile,
    demoConfig({
      protocol: options.protocol,
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
  printIntro({ protocol: options.protocol, address: sim.address, speed, configFile, clientConfig, mqttPort });
  const relayCut = (unit: number) => sim.bus.meters.get(unit)?.relayClosed === false;
  const stopCommentary = startCommentary(gateway, clock, relayCut);
  const stopTerminal = sim.terminal === undefined ? () => undefined : watchTerminal(sim.terminal, clock);
  await new Promise<void>((resolve) => {
    const stop = () => {
      stopCommentary();
      stopTerminal();
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
