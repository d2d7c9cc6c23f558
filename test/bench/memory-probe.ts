/**
 * Preloaded into `meter-gateway run` by figure 5 when BENCH_MEMORY_SPLIT=<dir> is set (`node --import`):
 * writes `process.memoryUsage()` plus V8's heap-space statistics to `<dir>/memory-<pid>.json` every
 * second (the latest sample and the one at the highest RSS so far), so the bench can say where the RSS goes (V8 heap used vs committed, external, array buffers,
 * and the rest: code, malloc, SQLite's page cache). Off by default: figure 5 measures the service alone.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { getHeapSpaceStatistics, getHeapStatistics } from "node:v8";

const dir = process.env.BENCH_MEMORY_SPLIT;
if (dir !== undefined && dir !== "") {
  const file = join(dir, `memory-${process.pid}.json`);
  let atPeak: { rss: number } | undefined;
  const write = () => {
    const spaces = Object.fromEntries(
      getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]),
    );
    const heap = getHeapStatistics();
    const sample = {
      ...process.memoryUsage(),
      mallocedMemory: heap.malloced_memory,
      peakMallocedMemory: heap.peak_malloced_memory,
      totalPhysicalSize: heap.total_physical_size,
      spaces,
    };
    if (atPeak === undefined || sample.rss > atPeak.rss) atPeak = sample;
    writeFileSync(file, JSON.stringify({ latest: sample, atPeak }));
  };
  setInterval(write, 1000).unref();
}
