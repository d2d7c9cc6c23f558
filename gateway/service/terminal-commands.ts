/**
 * `terminal.message` and `terminal.answer` on top of the terminals feature (docs/terminals.md). Both
 * are mutations: they store what the terminal should show in the command's unit of work; the write to
 * the terminal follows after the commit.
 */
import type { CommandExecutor, CommandOutcome, CommandResult } from "../uplink/index.ts";
import type { Store } from "../store/index.ts";
import type { Terminals } from "../terminals/terminals.ts";
import { E7_PER_FEN, parseMoneyE7 } from "../prepaid/money.ts";
import type { ClockHealth } from "./ports.ts";

/** What the terminal commands need: the terminals (absent: none configured), accounts, the clock. */
export interface TerminalCommandPorts {
  readonly terminals?: Pick<Terminals, "ids" | "config" | "setMessage" | "setAnswer"> | undefined;
  readonly store: Pick<Store, "accounts">;
  readonly clock: ClockHealth;
}

type Params<K extends keyof CommandExecutor> = Parameters<CommandExecutor[K]>[0];

function unknownTerminal(ports: TerminalCommandPorts, terminal: string): CommandOutcome<never> {
  const terminals = ports.terminals?.ids() ?? [];
  return {
    ok: false,
    code: "UNKNOWN_TERMINAL",
    message: `no terminal '${terminal}'`,
    details: { terminal, terminals },
  };
}

export function terminalMessage(
  ports: TerminalCommandPorts,
  p: Params<"terminalMessage">,
): CommandOutcome<CommandResult<"terminal.message">> {
  const terminals = ports.terminals;
  if (terminals?.config(p.terminal) === undefined) return unknownTerminal(ports, p.terminal);
  const nowMs = ports.clock.now();
  if (p.until <= nowMs)
    return {
      ok: false,
      code: "MESSAGE_EXPIRED",
      message: `until ${new Date(p.until).toISOString()} is not after the gateway's clock`,
      details: { untilMs: p.until, gatewayTimeMs: nowMs },
    };
  terminals.setMessage(p.terminal, { text: p.text, untilMs: p.until });
  return { ok: true, result: { terminal: p.terminal, until: p.until } };
}

export function terminalAnswer(
  ports: TerminalCommandPorts,
  p: Params<"terminalAnswer">,
): CommandOutcome<CommandResult<"terminal.answer">> {
  const terminals = ports.terminals;
  const config = terminals?.config(p.terminal);
  if (terminals === undefined || config === undefined) return unknownTerminal(ports, p.terminal);
  const balanceE7 =
    p.balance !== undefined
      ? parseMoneyE7(p.balance)
      : (ports.store.accounts.get(config.account)?.balanceE7 ?? 0);
  terminals.setAnswer(p.terminal, {
    status: p.status,
    entryId: p.entryId,
    // Money shown to people is rounded down to the fen.
    balanceFen: p.status === "accepted" ? Math.floor(balanceE7 / E7_PER_FEN) : 0,
    reason: p.reason ?? "",
  });
  return { ok: true, result: { terminal: p.terminal, entryId: p.entryId, status: p.status } };
}
