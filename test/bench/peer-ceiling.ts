/**
 * P3, the ceiling on the peer topology (issue 13): the highest load each system holds, stepping the poll
 * interval of the 1,000 meters down (BENCH_PEER_CEILING_MS, default 200,150,100,75,50 ms: 5,000 to
 * 20,000 readings/s asked) until a step is not held. Held: readings/s in the window at least 96 % of
 * what was asked, and no failed poll. The gateway (every reading stored) against Node-RED queue off,
 * the faster peer, in the same run; the target is twice Node-RED's ceiling.
 */
import { fmt, type Figure } from "./common.ts";
import type { PeerRunResult } from "./peer-nodered.ts";

export type CeilingSystem = "gateway" | "nodered-noq";

/** A step is held at this share of the readings asked, or more. */
const heldShare = 0.96;

const steps = (process.env.BENCH_PEER_CEILING_MS ?? "200,150,100,75,50").split(",").map(Number);

/** One system's steps, slowest first, until one is not held; the highest rate held (0: none). */
async function ceilingOf(
  system: CeilingSystem,
  meters: number,
  run: (system: CeilingSystem, intervalMs: number) => Promise<PeerRunResult>,
): Promise<{ ceiling: number; log: string[] }> {
  let ceiling = 0;
  const log: string[] = [];
  for (const intervalMs of steps) {
    process.stderr.write(`[bench]   peer ceiling: ${system} @${intervalMs} ms\n`);
    const result = await run(system, intervalMs);
    const asked = (meters * 1000) / intervalMs;
    const rate = (result.readings / result.windowMs) * 1000;
    const held = rate >= heldShare * asked && result.errors === 0;
    log.push(`${fmt(asked)}: ${fmt(rate)}${result.errors > 0 ? ` (${result.errors} errors)` : ""}`);
    if (!held) break;
    ceiling = rate;
  }
  return { ceiling, log };
}

/** The P3 figure: the gateway's ceiling against twice Node-RED queue off's. */
export async function ceilingFigure(
  meters: number,
  run: (system: CeilingSystem, intervalMs: number) => Promise<PeerRunResult>,
): Promise<Figure> {
  const gateway = await ceilingOf("gateway", meters, run);
  const nodered = await ceilingOf("nodered-noq", meters, run);
  return {
    id: "P3",
    name: "Peer: ceiling, highest load held (>= 96 % of asked, no failed poll), every reading stored",
    measured: gateway.ceiling,
    unit: "readings/s",
    limit: 2 * nodered.ceiling,
    limitLabel: "2x Node-RED queue off, same run",
    better: "higher",
    scale: `${meters} meters, 100 conns x 10 units, steps ${steps.join(", ")} ms`,
    note: `gateway ${fmt(gateway.ceiling)} rd/s (asked: got ${gateway.log.join(", ")}); Node-RED queue off ${fmt(nodered.ceiling)} rd/s (${nodered.log.join(", ")})`,
  };
}
