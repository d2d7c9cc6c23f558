/**
 * P3, the ceiling on the peer topology (issue 13): the highest load each system holds, stepping the
 * number of meters up (BENCH_PEER_CEILING_METERS, default 500,750,1000,1500,2000,2500,3000, 10 per
 * connection, each polled every 100 ms, the shortest interval the gateway's config takes: 5,000 to
 * 30,000 readings/s asked) until a step is not held. Held: readings/s in the window at least 96 % of what
 * was asked, and no failed poll. A system's ceiling is the load (readings/s asked) of its last step held. The gateway (every reading stored) against Node-RED queue off, the faster peer, in
 * the same run; the target is twice Node-RED's ceiling.
 */
import { fmt, type Figure } from "./common.ts";
import type { PeerRunResult } from "./peer-nodered.ts";

export type CeilingSystem = "gateway" | "nodered-noq";
/** One load of the ceiling's steps. */
export type CeilingStep = { meters: number; intervalMs: number };

/** A step is held at this share of the readings asked, or more. */
const heldShare = 0.96;
const intervalMs = 100;
const steps = (process.env.BENCH_PEER_CEILING_METERS ?? "500,750,1000,1500,2000,2500,3000")
  .split(",")
  .map(Number);

/** One system's steps, lightest first, until one is not held; the load of the last held (0: none). */
async function ceilingOf(
  system: CeilingSystem,
  run: (system: CeilingSystem, step: CeilingStep) => Promise<PeerRunResult>,
): Promise<{ ceiling: number; log: string[] }> {
  let ceiling = 0;
  const log: string[] = [];
  for (const meters of steps) {
    process.stderr.write(`[bench]   peer ceiling: ${system}, ${meters} meters @${intervalMs} ms\n`);
    const result = await run(system, { meters, intervalMs });
    const asked = (meters * 1000) / intervalMs;
    const rate = (result.readings / result.windowMs) * 1000;
    const held = rate >= heldShare * asked && result.errors === 0;
    log.push(`${fmt(asked)}: ${fmt(rate)}${result.errors > 0 ? ` (${result.errors} errors)` : ""}`);
    if (!held) break;
    ceiling = asked;
  }
  return { ceiling, log };
}

/** The P3 figure: the gateway's ceiling against twice Node-RED queue off's. */
export async function ceilingFigure(
  run: (system: CeilingSystem, step: CeilingStep) => Promise<PeerRunResult>,
): Promise<Figure> {
  const gateway = await ceilingOf("gateway", run);
  const nodered = await ceilingOf("nodered-noq", run);
  return {
    id: "P3",
    name: "Peer: ceiling, highest load held (>= 96 % of asked, no failed poll), every reading stored",
    measured: gateway.ceiling,
    unit: "readings/s",
    limit: 2 * nodered.ceiling,
    limitLabel: "2x Node-RED queue off, same run",
    better: "higher",
    scale: `${steps.join(", ")} meters @${intervalMs} ms, 10 per connection`,
    note: `readings/s asked: got, gateway ${gateway.log.join(", ")}; Node-RED queue off ${nodered.log.join(", ")}`,
  };
}
