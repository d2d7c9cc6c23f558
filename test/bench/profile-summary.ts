/**
 * Summarises V8 CPU profiles (`.cpuprofile`, as written by `--cpu-prof` under BENCH_CPU_PROF=<dir>): self
 * time by module (our folders such as gateway/uplink, each npm package, node's internals, GC) and the top
 * functions by self time, as shares of the busy (non-idle) time.
 *
 * A `.heapsnapshot` (BENCH_HEAP_SNAPSHOT=<dir>) is summarised as retained-by-nobody self sizes: bytes
 * per object kind (constructor, or V8's type for strings, code, arrays), what holds the heap.
 *
 * Frames in the bundles `npm run build` makes (the service as the bench runs it) are mapped back to their
 * source files through the source maps deploy/build.ts writes beside them.
 *
 * Usage: node --import tsx test/bench/profile-summary.ts [--top N] FILE_OR_DIR ...
 *   (a directory: every .cpuprofile in it, summed; or one .heapsnapshot file)
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { SourceMap, type SourceMapPayload } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The module a frame belongs to: `npm:<package>`, a repo folder (two levels), `node:<name>` or a V8 pseudo-frame. */
export function moduleOf(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  const npm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (npm !== null) return `npm:${npm[1]}`;
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`;
  const ours = /(?:\.bench-build\/|\/)((?:gateway|protocols|core|simulator|test)\/[^/]+)\//.exec(url);
  if (ours !== null) return ours[1]!;
  const file = /\/((?:gateway|protocols|core|simulator)\/[^/]+)$/.exec(url);
  return file !== null ? file[1]! : url.replace(/^file:\/\//, "");
}

/** A frame's file for the function table: repo-relative for ours, package-relative for npm's. */
function fileOf(url: string, module: string): string {
  const ours = /(?:\.bench-build\/|\/)((?:gateway|protocols|core|simulator|test)\/.*)$/.exec(url);
  if (ours !== null && !url.includes("node_modules")) return ours[1]!;
  const npm = /node_modules\/(.*)$/.exec(url);
  return npm !== null ? npm[1]! : module;
}

const sourceMaps = new Map<string, SourceMap | undefined>();

/** The source map beside a bundled file (`<file>.map`), if it has one. */
function sourceMapOf(url: string): SourceMap | undefined {
  if (!sourceMaps.has(url)) {
    const file = url.startsWith("file://") ? `${fileURLToPath(url)}.map` : "";
    const payload = existsSync(file)
      ? (JSON.parse(readFileSync(file, "utf8")) as SourceMapPayload)
      : undefined;
    sourceMaps.set(url, payload === undefined ? undefined : new SourceMap(payload));
  }
  return sourceMaps.get(url);
}

/** A frame's source file and 0-based line: through the bundle's source map, or as profiled. */
function sourceOf(frame: ProfileNode["callFrame"]): { url: string; line: number } {
  const entry = sourceMapOf(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber);
  if (entry === undefined || !("originalSource" in entry)) return { url: frame.url, line: frame.lineNumber };
  return { url: entry.originalSource, line: entry.originalLine };
}

/** Self time per function key and per module over the given profiles, µs. */
export function selfTimes(profiles: CpuProfile[]): {
  byFunction: Map<string, number>;
  byModule: Map<string, number>;
  idleUs: number;
  totalUs: number;
} {
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  let idleUs = 0;
  let totalUs = 0;
  for (const profile of profiles) {
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    profile.samples.forEach((id, i) => {
      const dt = profile.timeDeltas[i] ?? 0;
      const node = nodes.get(id);
      if (node === undefined) return;
      totalUs += dt;
      const { functionName } = node.callFrame;
      const { url, line } = sourceOf(node.callFrame);
      if (functionName === "(idle)") {
        idleUs += dt;
        return;
      }
      const module = moduleOf(url, functionName);
      const key = `${functionName || "(anonymous)"} ${fileOf(url, module)}:${line + 1}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + dt);
      byModule.set(module, (byModule.get(module) ?? 0) + dt);
    });
  }
  return { byFunction, byModule, idleUs, totalUs };
}

function files(paths: string[]): string[] {
  return paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => f.endsWith(".cpuprofile"))
          .map((f) => join(p, f))
      : [p],
  );
}

function table(map: Map<string, number>, busyUs: number, top: number): string[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(
      ([key, us]) =>
        `${((100 * us) / busyUs).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`,
    );
}

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Bytes and counts per object kind in a heap snapshot. */
export function summariseHeap(file: string, top = 25): string {
  const snap = JSON.parse(readFileSync(file, "utf8")) as HeapSnapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((f) => fields.indexOf(f));
  const bytes = new Map<string, { size: number; count: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + typeAt!]!] ?? "?";
    const size = snap.nodes[i + sizeAt!]!;
    const name =
      type === "object" || type === "native" ? snap.strings[snap.nodes[i + nameAt!]!]! : `(${type})`;
    const entry = bytes.get(name) ?? { size: 0, count: 0 };
    entry.size += size;
    entry.count++;
    bytes.set(name, entry);
    total += size;
  }
  return [
    `${file}: ${(total / 1048576).toFixed(1)} MiB in ${(snap.nodes.length / fields.length).toLocaleString("en-US")} objects`,
    `top ${top} kinds by self size:`,
    ...[...bytes.entries()]
      .sort((a, b) => b[1].size - a[1].size)
      .slice(0, top)
      .map(
        ([name, { size, count }]) =>
          `${((100 * size) / total).toFixed(1).padStart(5)} %  ${(size / 1048576).toFixed(2).padStart(7)} MiB  ${String(count).padStart(8)}  ${name.slice(0, 80)}`,
      ),
  ].join("\n");
}

/** The printed summary of the profiles at `paths`. */
export function summarise(paths: string[], top = 25): string {
  if (paths.length === 1 && paths[0]!.endsWith(".heapsnapshot")) return summariseHeap(paths[0]!, top);
  const list = files(paths);
  const profiles = list.map((f) => JSON.parse(readFileSync(f, "utf8")) as CpuProfile);
  const { byFunction, byModule, idleUs, totalUs } = selfTimes(profiles);
  const busyUs = Math.max(1, totalUs - idleUs);
  return [
    `${list.length} profile(s): ${(totalUs / 1e6).toFixed(1)} s sampled, busy ${(busyUs / 1e6).toFixed(1)} s (${((100 * busyUs) / Math.max(1, totalUs)).toFixed(0)} %); shares of busy time`,
    "",
    "self time by module:",
    ...table(byModule, busyUs, top),
    "",
    `top ${top} functions by self time:`,
    ...table(byFunction, busyUs, top),
  ].join("\n");
}

if (process.argv[1]?.endsWith("profile-summary.ts") === true) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf("--top");
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 25;
  const paths = topAt >= 0 ? args.filter((_, i) => i !== topAt && i !== topAt + 1) : args;
  if (paths.length === 0) {
    process.stderr.write("usage: profile-summary.ts [--top N] FILE_OR_DIR ...\n");
    process.exit(2);
  }
  process.stdout.write(`${summarise(paths, top)}\n`);
}
