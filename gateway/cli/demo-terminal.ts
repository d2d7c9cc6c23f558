/**
 * The demo's prepayment terminal (docs/terminals.md): a simulated in-home display of flat-2 on the
 * Modbus demo bus, and what the console prints whenever the gateway writes something new to it.
 */
import type { AcceleratedClock } from "../../core/clock.ts";

/** The terminal's id in the demo config, and its unit on the demo bus. */
export const demoTerminal = { id: "flat-2-display", unit: 20, account: "flat-2" } as const;

/** The config lines of the demo's terminal (Modbus demo only: terminals are on Modbus buses). */
export function demoTerminalConfig(): string {
  const { id, unit, account } = demoTerminal;
  // 60 s / 10 s of demo time: at x120 the display is refreshed up to twice a real second.
  return `terminals:\n  - { id: ${id}, bus: sim, unit: ${unit}, account: ${account}, refreshMs: 60000, inputPollMs: 10000 }\n`;
}

/** What the simulated terminal shows: its display and answer blocks, decoded. */
export interface TerminalScreen {
  display(): Record<string, number | string>;
  answer(): Record<string, number | string>;
}

const alarms = ["", "alarm 1", "alarm 2", "overdraft", "exhausted"];
const supplies = ["supply on", "cut announced", "supply cut"];
const answers = ["", "pending", "accepted", "already used", "rejected"];

/** One line of what the customer sees, e.g. `0.55 yuan | alarm 1 | supply on | "Low credit: ..."`. */
export function screenLine(screen: TerminalScreen): string {
  const d = screen.display();
  const a = screen.answer();
  const balance = `${((d["balanceFen"] as number) / 100).toFixed(2)} yuan`;
  const parts = [balance, alarms[d["alarm"] as number] ?? "", supplies[d["supply"] as number] ?? ""];
  const message = d["message"] === "" ? "" : ` "${String(d["message"])}"`;
  const answer =
    (a["status"] as number) > 0
      ? ` [entry ${String(a["entryId"])}: ${answers[a["status"] as number] ?? "?"}]`
      : "";
  return `${parts.filter((p) => p !== "").join(" | ")}${message}${answer}`;
}

/** Prints the terminal's screen each time it changes (polled every 250 ms); returns what stops it. */
export function watchTerminal(screen: TerminalScreen, simClock: AcceleratedClock): () => void {
  let last = "";
  const tick = setInterval(() => {
    if (screen.display()["sequence"] === 0) return; // nothing written yet
    const line = screenLine(screen);
    if (line === last) return;
    last = line;
    const stamp = new Date(simClock.now()).toISOString().slice(11, 16);
    process.stdout.write(`${stamp}  ${demoTerminal.id.padEnd(10)} terminal shows    ${line}\n`);
  }, 250);
  return () => clearInterval(tick);
}
