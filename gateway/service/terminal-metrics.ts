/** Prometheus gauges of the prepayment terminals, read from their counters on each scrape. */
import { Gauge, type Registry } from "./prom.ts";
import type { TerminalStatus } from "../terminals/stats.ts";

export function terminalGauges(terminals: () => TerminalStatus[], registry: Registry): void {
  new Gauge({
    name: "meter_gateway_terminal_writes",
    help: "Writes to each terminal since start, by block (display, answer) and outcome (ok, failed)",
    labelNames: ["terminal", "block", "outcome"],
    registers: [registry],
    collect() {
      for (const t of terminals()) {
        this.set({ terminal: t.id, block: "display", outcome: "ok" }, t.displayWrites);
        this.set({ terminal: t.id, block: "display", outcome: "failed" }, t.displayFailures);
        this.set({ terminal: t.id, block: "answer", outcome: "ok" }, t.answerWrites);
        this.set({ terminal: t.id, block: "answer", outcome: "failed" }, t.answerFailures);
      }
    },
  });
  new Gauge({
    name: "meter_gateway_terminal_entries",
    help: "Keypad entries since start: forwarded to the platform, refused as malformed, reads that failed",
    labelNames: ["terminal", "outcome"],
    registers: [registry],
    collect() {
      for (const t of terminals()) {
        this.set({ terminal: t.id, outcome: "forwarded" }, t.entriesForwarded);
        this.set({ terminal: t.id, outcome: "refused" }, t.entriesRefused);
        this.set({ terminal: t.id, outcome: "read-failed" }, t.inputFailures);
      }
    },
  });
}
