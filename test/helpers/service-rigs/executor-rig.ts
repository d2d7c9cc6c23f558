/**
 * Test support: the gateway's real command executor (../executor.ts) over the real prepaid engine and
 * operations on a store the test opened (a temporary SQLite file), for the uplink's tests. Meters M-1 and
 * M-2 bill accounts A-1 and A-2 (M-3 bills to none, for account.open) (the uplink fixtures, seeded first so the engine finds them stored and
 * writes no opening-balance record). Only the hardware is stood in for: relays that obey, and meters
 * that answer a read with 123456 Wh. This is the ONE place tests build an executor.
 * Lives under testing/ so the production build can leave it out.
 */
import type { Clock } from "../../../core/clock.ts";
import { silentLogger } from "../../../core/logger.ts";
import type { Config } from "../../../gateway/config/index.ts";
import type { Reading } from "../../../gateway/metering/reading.ts";
import { checkClock } from "../../../gateway/prepaid/index.ts";
import type { Store } from "../../../gateway/store/index.ts";
import { commandCatalog } from "../../../gateway/uplink/commands/catalog.ts";
import type { CommandContext, CommandExecutor } from "../../../gateway/uplink/commands/executor.ts";
import { seedAccounts, testMeters } from "../uplink/fixtures.ts";
import { createExecutor } from "../../../gateway/service/command-executor.ts";
import type { PlatformMessage } from "../../../gateway/terminals/display-model.ts";
import { TerminalState, type StoredAnswer } from "../../../gateway/terminals/state.ts";
import { PrepaidEngine, type RelayPort } from "../../../gateway/billing/engine.ts";
import { PrepaidOperations } from "../../../gateway/billing/operations.ts";
import { rigParsedConfig } from "../billing/engine-rig.ts";
import { compilePrepaidSettings } from "../../../gateway/billing/settings.ts";
import { seedMeterHistory } from "./meter-history.ts";
import { RelayForwarder, type SecuredRelayPort } from "../../../gateway/service/relay-forward.ts";

/** M-1 stands in for an ESAM meter: it accepts every secured relay command (9C) and reports no status word. */
const securedMeters: SecuredRelayPort = {
  has: (meterId) => meterId === "M-1",
  forwardSecured: () => Promise.resolve({ accepted: true }),
  readRelayStatus: () => Promise.resolve(undefined),
};

/** The fixtures' meters, accounts and tariff as a config (thresholds as exampleThresholds). */
const fixtureConfig = `
gateway: { id: gw-test, dataDir: /unused, timezone: Asia/Shanghai }
buses: [{ id: b1, transport: tcp, host: 127.0.0.1 }]
meters:
  - { id: M-1, bus: b1, unit: 1, profile: generic-prepaid, account: A-1 }
  - { id: M-2, bus: b1, unit: 2, profile: generic-prepaid, account: A-2 }
  - { id: M-3, bus: b1, unit: 3, profile: generic-prepaid }
accounts:
  - { id: A-1, tariff: T-1, balance: "100.00", alarm1: "50.00", alarm2: "30.00", overdraftLimit: "10.00", hoardingLimit: "5000.00", closeAllowedMin: "0" }
  - { id: A-2, tariff: T-1, balance: "100.00", alarm1: "50.00", alarm2: "30.00", overdraftLimit: "10.00", hoardingLimit: "5000.00", closeAllowedMin: "0" }
tariffs: [{ id: T-1, kind: flat, price: "0.5283" }]
`;

/** One executor call as the uplink made it. */
export interface ExecutorCall {
  readonly command: string;
  readonly params: unknown;
  readonly context: CommandContext;
}

/** The real executor, recording every call; tests can make the next mutation crash after writing. */
export interface RecordingExecutor extends CommandExecutor {
  readonly calls: ExecutorCall[];
  /** When set, the next mutation throws after the real one wrote (a crash inside the unit of work). */
  throwNext: boolean;
  /** How long the stand-in meters take to answer meter.read, ms (real time). */
  readDelayMs: number;
}

function recording(real: CommandExecutor, stand: { readDelayMs: number }): RecordingExecutor {
  const calls: ExecutorCall[] = [];
  const wrapped = { calls, throwNext: false } as unknown as RecordingExecutor;
  for (const method of Object.keys(real) as Array<keyof CommandExecutor>) {
    const call = real[method] as (params: unknown, context: CommandContext) => unknown;
    Object.assign(wrapped, {
      [method]: (params: unknown, context: CommandContext) => {
        calls.push({ command: context.command, params, context });
        const outcome = call(params, context);
        if (wrapped.throwNext && commandCatalog[context.command].kind === "mutation") {
          wrapped.throwNext = false;
          throw new Error("executor crashed");
        }
        return outcome;
      },
    });
  }
  Object.defineProperty(wrapped, "readDelayMs", {
    get: () => stand.readDelayMs,
    set: (ms: number) => (stand.readDelayMs = ms),
  });
  return wrapped;
}

/** Relays that follow their command (no RS-485 hardware in a test). */
class ObedientRelays implements RelayPort {
  private readonly closed = new Map<string, boolean>();
  writeRelay(meterId: string, closed: boolean): Promise<void> {
    this.closed.set(meterId, closed);
    return Promise.resolve();
  }
  readRelay(meterId: string): Promise<boolean> {
    return Promise.resolve(this.closed.get(meterId) ?? true);
  }
}

/** What the executor reads of the gateway; `meterRead` stands in for a poll over the bus. */
export interface ExecutorPorts {
  readonly engine: PrepaidEngine;
  readonly operations: PrepaidOperations;
  readonly store: Store;
  readonly clock: Clock;
  readonly config: Config;
  readonly meterRead: (meterId: string) => Promise<Reading>;
}

/** T-1 stands in for a prepayment terminal of account A-1: the commands store what it would show. */
function rigTerminals(store: Store) {
  const state = new TerminalState(store);
  const terminal = {
    ...{ id: "T-1", bus: "bus-1", unit: 20, profile: "generic-terminal", account: "A-1" },
    ...{ refreshMs: 5000, inputPollMs: 2000 },
  };
  return {
    ids: () => [terminal.id],
    config: (id: string) => (id === terminal.id ? terminal : undefined),
    setMessage: (id: string, message: PlatformMessage) => state.setMessage(id, message),
    setAnswer: (id: string, answer: StoredAnswer) => state.setAnswer(id, answer),
  };
}

/**
 * The real executor over these ports (the gateway hands it itself; a test has no gateway). Meters are
 * those of `config`. The clock is checked against its reading when this is called, as the gateway
 * checks it against its start.
 */
export function buildExecutor(ports: ExecutorPorts): CommandExecutor {
  const { engine, operations, store, clock, config, meterRead } = ports;
  const started = { wallMs: clock.now(), monoMs: clock.monotonicMs() };
  return createExecutor({
    operations,
    store,
    config: () => config,
    terminals: rigTerminals(store),
    relayForward: new RelayForwarder({
      store,
      logger: silentLogger(),
      meters: securedMeters,
      accountOf: (meterId) => config.meters.find((m) => m.id === meterId)?.account,
    }),
    meters: {
      meter: (id: string) => {
        const m = config.meters.find((c) => c.id === id);
        return m === undefined
          ? undefined
          : {
              id,
              busId: m.bus,
              protocol: m.protocol,
              ...(m.protocol === "modbus" ? { unit: m.unit } : { address: m.address }),
              profile: m.profile,
              hasRelay: true,
            };
      },
      readNow: meterRead,
    },
    clock: {
      now: () => clock.now(),
      uptimeMs: () => clock.monotonicMs() - started.monoMs,
      check: () => {
        const now = { wallMs: clock.now(), monoMs: clock.monotonicMs() };
        const check = checkClock(started, now, engine.settings.policy.clockToleranceMs);
        return check.ok ? check : { ok: false, detail: check.anomaly };
      },
    },
  });
}

/** A started engine and the real executor over it. */
export interface ExecutorRig {
  readonly executor: RecordingExecutor;
  readonly engine: PrepaidEngine;
  readonly operations: PrepaidOperations;
  /** Stops the engine (its relay operations finish); the store stays open. */
  stop(): Promise<void>;
}

export interface ExecutorRigOptions {
  readonly store: Store;
  readonly clock: Clock;
  /**
   * Polls M-1 and M-2 before the first start on this store, leaving a held energy jump (anomaly 1) and an
   * unconfirmed replacement (new serial 20000001) on M-1, so every valid command has something to act on.
   * Writes readings and events to the outbox: leave it off where a test counts outbox records.
   */
  readonly polled?: boolean;
}

/** Seeds the fixture accounts (first start only), starts the engine and builds the real executor. */
export function startExecutorRig(options: ExecutorRigOptions): ExecutorRig {
  const { store, clock } = options;
  const config = rigParsedConfig(fixtureConfig);
  seedAccounts(store);
  const engine = new PrepaidEngine({
    store,
    clock,
    logger: silentLogger(),
    settings: compilePrepaidSettings(config),
    relay: new ObedientRelays(),
    hasRelay: (meterId) => testMeters.has(meterId),
  });
  engine.start();
  if (options.polled === true) seedMeterHistory(engine, store, clock);
  const operations = new PrepaidOperations(engine, store);
  const stand = { readDelayMs: 0 };
  const meterRead = async (meterId: string): Promise<Reading> => {
    if (stand.readDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, stand.readDelayMs));
    const now = { wallMs: clock.now(), monoMs: clock.monotonicMs() };
    return {
      meterId,
      busId: "b1",
      unit: 1,
      ...now,
      values: { importEnergyWh: 123_456 },
      quality: [],
      durationMs: 5,
    };
  };
  const real = buildExecutor({ engine, operations, store, clock, config, meterRead });
  const executor = recording(real, stand);
  return { executor, engine, operations, stop: () => engine.stop() };
}
