/**
 * Figure 1c, DL/T 645 line efficiency: several single-phase DL/T 645 meters on one simulated 2400-baud
 * 8E1 line over a socat pty, the simulator holding each reply back by its wire time plus a 20 ms
 * turnaround (simulator/servers/line-timing.ts with no t3.5 gap, as DL/T 645 frames end by their length
 * byte), polled by the real gateway (bus scheduler + DL/T 645 driver) as fast as it can. Achieved
 * polls/s against the limit of protocols/dlt645/timing.ts for exactly the frames one poll exchanges:
 * one 0x11 read per block and per single DI of the profile and the two clock DIs, 4 FE wake-up bytes in
 * front of every request and reply, each frame byte 11 bits.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { findDataId, payloadBytes, readTransactionMs } from "../../protocols/dlt645/index.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { requireDlt645Profile } from "../../protocols/profiles/load.ts";
import { tempDir } from "../helpers/index.ts";
import { startInProcess } from "../helpers/simulator.ts";
import { startGatewayChild, type Figure, type Scale } from "./common.ts";

const baudRate = 2400;
const turnaroundMs = 20;
const meters = 4;
const profileId = "dlt645-single-phase";

/** A poll of the profile holds a 2400-baud line for about 2.7 s: 30 s (quick) or 60 s of polls. */
const windowMs = (scale: Scale) => (scale.quick ? 30_000 : 60_000);

/** The payload bytes (after the DI) of every read in one poll of the profile, in the driver's order. */
export function pollPayloads(): Array<{ di: number; bytes: number }> {
  const profile = requireDlt645Profile(loadProfiles(), profileId);
  const dis = [
    ...profile.blocks.map((b) => b.di),
    ...profile.singles.map((q) => q.di),
    ...(profile.clock === undefined ? [] : [profile.clock.date, profile.clock.time]),
  ];
  return dis.map((di) => ({ di, bytes: payloadBytes(findDataId(di)!) }));
}

/** Milliseconds one poll of one meter holds the line: the sum of its transactions (timing.ts). */
export function pollLineMs(): number {
  return pollPayloads().reduce((sum, read) => sum + readTransactionMs(baudRate, read.bytes, turnaroundMs), 0);
}

async function measure(
  scale: Scale,
): Promise<{ pollsPerSec: number; readings: number; transactionsPerPoll: number }> {
  const sim = await startInProcess(
    {
      buses: [
        {
          name: "dlt",
          protocol: "dlt645",
          endpoint: { kind: "pty", baud: baudRate, parity: "even", lineTiming: { turnaroundMs } },
          meters: [{ units: `1-${meters}`, profile: profileId }],
        },
      ],
    },
    { control: false },
  );
  const dir = await tempDir("bench-dlt645-");
  try {
    const configFile = join(dir.path, "config.yaml");
    const ptyPath = sim.buses[0]!.address;
    writeFileSync(
      configFile,
      [
        `gateway: { id: bench-dlt645, dataDir: ${join(dir.path, "data")}, timezone: Asia/Shanghai, logLevel: warn }`,
        // No gap of our own: the line limit has none either (a DL/T 645 frame ends by its length byte).
        `buses: [{ id: dl, transport: serial, path: ${ptyPath}, baudRate: ${baudRate}, parity: even, timeoutMs: 1500, interFrameGapMs: 0 }]`,
        "meters:",
        ...Array.from(
          { length: meters },
          (_, i) =>
            `  - { id: m${i + 1}, bus: dl, address: '${String(i + 1).padStart(12, "0")}', profile: ${profileId}, pollIntervalMs: 100 }`,
        ),
      ].join("\n"),
    );
    // The clock read, time sync and status checks of the first minutes happen in the warm-up.
    const child = startGatewayChild({
      configFile,
      warmupMs: 8000,
      windowMs: windowMs(scale),
      trackMeters: true,
      countTransactions: true,
    });
    const result = await child.result;
    // A poll takes seconds, so count from the first completed poll to the last: (n - 1) polls in that
    // span, without the part-polls cut off at either end of the window.
    const times = Object.values(result.meterTimes ?? {})
      .flat()
      .sort((a, b) => a - b);
    const spanMs = times.length < 2 ? NaN : times[times.length - 1]! - times[0]!;
    const transactions = result.transactions ?? NaN;
    return {
      pollsPerSec: ((times.length - 1) / spanMs) * 1000,
      readings: times.length,
      // Every request the gateway sent in the window, per poll in it: the 12 reads the limit counts,
      // unless a clock check, freeze read or retry fell into the window (which only lowers the figure).
      transactionsPerPoll: transactions / result.readings,
    };
  } finally {
    await sim.stop();
    await dir.remove();
  }
}

export async function dlt645Figures(scale: Scale): Promise<Figure[]> {
  const reads = pollPayloads();
  const msPerPoll = pollLineMs();
  const measured = await measure(scale);
  return [
    {
      id: "1c",
      name: `DL/T 645 polls/s (2400 8E1, ${profileId}, ${turnaroundMs} ms turnaround)`,
      measured: measured.pollsPerSec,
      unit: "polls/s",
      limit: 1000 / msPerPoll,
      limitLabel: `line limit (${reads.length} reads, ${msPerPoll.toFixed(0)} ms/poll)`,
      better: "higher",
      pass: 0.9,
      scale: `${meters} meters, ${windowMs(scale) / 1000} s`,
      note: `per poll: ${reads.map((r) => `${r.di.toString(16).padStart(8, "0").toUpperCase()}+${r.bytes}`).join(" ")} (DI + payload bytes); ${measured.readings} polls, ${measured.transactionsPerPoll.toFixed(2)} requests sent per poll completed in the window (12 but for the part-polls at its ends)`,
      detail: { reads, msPerPoll, ...measured },
    },
  ];
}
