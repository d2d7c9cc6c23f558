/**
 * The prepayment terminals feature (docs/terminals.md). Per terminal, two loops on the injected clock:
 * the display loop writes what the customer should see whenever it differs from what was last written
 * (at most once per `refreshMs`, and always once after a start), and the answer to the latest entry
 * when it changed; the input loop reads the keypad queue every `inputPollMs`, forwards each entry
 * through the outbox and takes it off the terminal. Every bus request is a `display` job, behind the
 * meters' jobs. A failed request is counted and tried again at the loop's next turn.
 */
import type { Clock, TimerHandle } from "../../core/clock.ts";
import type { Logger } from "../../core/logger.ts";
import type { TerminalProfile } from "../../protocols/terminals/profile.ts";
import { answerCodes } from "../../protocols/terminals/codec.ts";
import type { TerminalConfig } from "../config/index.ts";
import type { Store } from "../store/index.ts";
import { displayContent, type PlatformMessage } from "./display-model.ts";
import { forwardEntry } from "./entries.ts";
import { displayInputOf, type TerminalSources } from "./sources.ts";
import { TerminalState, type StoredAnswer } from "./state.ts";
import { TerminalLink, type DeviceJobRunner } from "./terminal-link.ts";
import { newTerminalStats, type TerminalStats, type TerminalStatus } from "./stats.ts";

export interface TerminalsDeps {
  terminals: readonly TerminalConfig[];
  profiles: ReadonlyMap<string, TerminalProfile>;
  clock: Clock;
  logger: Logger;
  /** IANA zone of planned cut times on the display (the gateway's timezone). */
  timeZone: string;
  runJob: DeviceJobRunner;
  sources: TerminalSources;
  store: Store;
  /** The outbox has a new record (wakes the uplink). */
  outboxChanged: () => void;
}

/** Entries taken from one terminal per input turn, so one busy keypad cannot hold the bus. */
const maxEntriesPerTurn = 8;

interface Runtime {
  readonly config: TerminalConfig;
  readonly link: TerminalLink;
  readonly stats: TerminalStats;
  /** JSON of the display content last written; undefined until the first write after start. */
  shown: string | undefined;
  /** JSON of the answer last written. */
  answerShown: string | undefined;
  sequence: number;
  /** Monotonic ms of the last display write attempt. */
  lastAttemptMono: number;
  displayTimer: TimerHandle | undefined;
  inputTimer: TimerHandle | undefined;
  displayBusy: boolean;
  answerBusy: boolean;
}

export class Terminals {
  private readonly runtimes = new Map<string, Runtime>();
  private stopped = false;
  readonly state: TerminalState;

  constructor(private readonly deps: TerminalsDeps) {
    this.state = new TerminalState(deps.store);
  }

  start(): void {
    for (const config of this.deps.terminals) {
      const profile = this.deps.profiles.get(config.profile);
      if (profile === undefined) continue; // check-config refuses an unknown profile
      const rt: Runtime = {
        ...{ config, link: new TerminalLink(config, profile, this.deps.runJob), stats: newTerminalStats() },
        ...{ shown: undefined, answerShown: undefined, sequence: 0, lastAttemptMono: -Infinity },
        ...{ displayTimer: undefined, inputTimer: undefined, displayBusy: false, answerBusy: false },
      };
      this.runtimes.set(config.id, rt);
      void this.refresh(rt);
      void this.pollInput(rt);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const rt of this.runtimes.values()) {
      if (rt.displayTimer !== undefined) this.deps.clock.clearTimeout(rt.displayTimer);
      if (rt.inputTimer !== undefined) this.deps.clock.clearTimeout(rt.inputTimer);
    }
  }

  /** Ids of the configured terminals. */
  ids(): string[] {
    return this.deps.terminals.map((t) => t.id);
  }

  /** The terminal's config, if configured. */
  config(terminalId: string): TerminalConfig | undefined {
    return this.deps.terminals.find((t) => t.id === terminalId);
  }

  /** In the caller's unit of work: stores the platform's message; the display follows after commit. */
  setMessage(terminalId: string, message: PlatformMessage): void {
    this.state.setMessage(terminalId, message);
    this.deps.store.afterCommit(() => this.changed(terminalId));
  }

  /** In the caller's unit of work: stores the answer to an entry; it is written after commit. */
  setAnswer(terminalId: string, answer: StoredAnswer): void {
    this.state.setAnswer(terminalId, answer);
    this.deps.store.afterCommit(() => this.changed(terminalId));
  }

  /** Each terminal with its counters, for status and metrics. */
  statusRows(): TerminalStatus[] {
    return [...this.runtimes.values()].map(({ config, stats }) => ({
      ...{ id: config.id, bus: config.bus, unit: config.unit, account: config.account },
      ...stats,
    }));
  }

  /**
   * The platform changed a terminal's message or answer (called after the command's commit): the answer
   * is written at once, the display at its next turn, or now when `refreshMs` has passed since the last.
   */
  changed(terminalId: string): void {
    const rt = this.runtimes.get(terminalId);
    if (rt === undefined || this.stopped) return;
    void this.writeAnswer(rt);
    if (this.deps.clock.monotonicMs() - rt.lastAttemptMono >= rt.config.refreshMs && !rt.displayBusy) {
      if (rt.displayTimer !== undefined) this.deps.clock.clearTimeout(rt.displayTimer);
      void this.refresh(rt);
    }
  }

  /** One turn of the display loop, then the next one `refreshMs` later. */
  private async refresh(rt: Runtime): Promise<void> {
    if (this.stopped) return;
    rt.displayBusy = true;
    rt.displayTimer = undefined;
    try {
      await this.writeDisplay(rt);
      await this.writeAnswer(rt);
    } finally {
      rt.displayBusy = false;
      if (!this.stopped)
        rt.displayTimer = this.deps.clock.setTimeout(() => void this.refresh(rt), rt.config.refreshMs);
    }
  }

  private async writeDisplay(rt: Runtime): Promise<void> {
    const { clock, sources, timeZone } = this.deps;
    const nowMs = clock.now();
    const message = this.state.message(rt.config.id);
    const input = displayInputOf(sources, rt.config, message, nowMs, timeZone);
    if (input === undefined) return;
    const content = displayContent(input);
    const json = JSON.stringify(content);
    if (json === rt.shown) return;
    rt.lastAttemptMono = clock.monotonicMs();
    const sequence = (rt.sequence + 1) & 0xffff;
    try {
      await rt.link.writeDisplay({ ...content, sequence });
      rt.sequence = sequence;
      rt.shown = json;
      rt.stats.displayWrites++;
      rt.stats.lastDisplayAtMs = nowMs;
      this.recovered(rt);
    } catch (error) {
      rt.stats.displayFailures++;
      this.failed(rt, "display write", error);
    }
  }

  private async writeAnswer(rt: Runtime): Promise<void> {
    const answer = this.state.answer(rt.config.id);
    if (answer === undefined || rt.answerBusy || this.stopped) return;
    const json = JSON.stringify(answer);
    if (json === rt.answerShown) return;
    rt.answerBusy = true;
    try {
      await rt.link.writeAnswer({ ...answer, status: answerCodes[answer.status] });
      rt.answerShown = json;
      rt.stats.answerWrites++;
      this.recovered(rt);
    } catch (error) {
      rt.stats.answerFailures++;
      this.failed(rt, "answer write", error);
    } finally {
      rt.answerBusy = false;
    }
    // An answer stored while this one was on the wire is written now, not at the next turn.
    if (JSON.stringify(this.state.answer(rt.config.id)) !== rt.answerShown && !this.stopped)
      void this.writeAnswer(rt);
  }

  /** One turn of the input loop: up to maxEntriesPerTurn entries, then the next turn. */
  private async pollInput(rt: Runtime): Promise<void> {
    if (this.stopped) return;
    rt.inputTimer = undefined;
    try {
      for (let taken = 0; taken < maxEntriesPerTurn && !this.stopped; taken++) {
        const entry = await rt.link.readEntry();
        if (entry === undefined) break;
        const outcome = forwardEntry(this.deps.store, this.state, rt.config, entry, this.deps.clock.now());
        if (outcome === "queued") {
          rt.stats.entriesForwarded++;
          this.deps.outboxChanged();
        }
        if (outcome === "refused") rt.stats.entriesRefused++;
        await rt.link.ack(entry.entryId);
        void this.writeAnswer(rt);
      }
      this.recovered(rt);
    } catch (error) {
      rt.stats.inputFailures++;
      this.failed(rt, "keypad read", error);
    } finally {
      if (!this.stopped)
        rt.inputTimer = this.deps.clock.setTimeout(() => void this.pollInput(rt), rt.config.inputPollMs);
    }
  }

  private failed(rt: Runtime, what: string, error: unknown): void {
    if (this.stopped) return; // the bus closing under a queued job at shutdown is no fault of the terminal
    const message = error instanceof Error ? error.message : String(error);
    if (rt.stats.lastError === undefined)
      this.deps.logger.warn(
        { terminalId: rt.config.id, err: error },
        `terminal ${rt.config.id}: ${what} failed`,
      );
    rt.stats.lastError = `${what}: ${message}`;
    rt.stats.lastErrorAtMs = this.deps.clock.now();
  }

  private recovered(rt: Runtime): void {
    if (rt.stats.lastError === undefined) return;
    this.deps.logger.info({ terminalId: rt.config.id }, `terminal ${rt.config.id}: answering again`);
    rt.stats.lastError = undefined;
  }
}
