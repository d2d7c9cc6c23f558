/**
 * `npm run build`: the two command lines as esbuild bundles, `dist/meter-gateway.js` and
 * `dist/meter-sim.js`, with the parts they share or load lazily as chunks beside them
 * (`dist/chunk-*.js`, `dist/run-*.js`, `dist/commands-*.js` ...), plus the files the code reads beside
 * itself (the built-in profiles, the local web page's files).
 *
 * Why a bundle and not tsc's one file per module: V8 keeps every loaded module's source text, record
 * and function metadata; `meter-gateway run` loaded about 640 files, and zod's index alone imports its
 * 64 locales, which only tree-shaking drops. Measured once started (docs/bench.md, "Memory, third
 * round"): 18.4 MiB of heap with tsc's output, 13.8 with this bundle. Each choice below was measured
 * there: code splitting keeps the other commands, the demo's broker and the simulator out of what `run`
 * loads (1.3 MiB); whitespace and syntax minification shrink the source text V8 holds (1.8 MiB); names
 * are kept (renaming them would save 0.5 MiB more, but stack traces would no longer name functions).
 *
 * Packages stay outside the bundle (loaded from node_modules as before) when they are native
 * (better-sqlite3, serialport), find files or start workers by path (pino, pino-pretty, thread-stream),
 * or load serialport (modbus-serial). Modules that locate files with `import.meta.url` see, in the
 * bundle, the URL their compiled file would have in `dist/` (gateway/web/assets.js,
 * protocols/profiles/io/files.js ...), so the same relative paths work from source (tsx) and from the
 * bundle, and the files copied below sit where those paths lead.
 *
 * Usage: node --import tsx deploy/build.ts [--out-dir DIR] [--metafile FILE]
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile, type Plugin } from "esbuild";
import { besideModules } from "./beside-modules.ts";

/** The checkout: the folder above deploy/. */
const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Packages loaded from node_modules at run time (see the header for why each). */
const external = [
  "better-sqlite3",
  "serialport",
  "@serialport/*",
  "modbus-serial",
  "pino",
  "pino-pretty",
  "thread-stream",
  // MQTT.js requires these inside its connect() only for ws://, wss:// and SOCKS proxies; bundled, their
  // source would be held by every uplink (gateway/uplink/mqtt-connect.ts).
  "ws",
  "socks",
];

/**
 * Replaces `import.meta.url` in our own modules with the URL that module's compiled file would have in
 * the output folder (e.g. `<out>/gateway/web/assets.js`), computed from the URL of the output file it
 * ends up in: every output (entries and chunks) sits in the output folder itself, so one relative path
 * serves whichever chunk a module lands in.
 */
function moduleUrlAsInTree(): Plugin {
  return {
    name: "module-url-as-in-tree",
    setup(builder) {
      builder.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const source = readFileSync(args.path, "utf8");
        if (!source.includes("import.meta.url")) return undefined;
        const asCompiled = relative(root, args.path).replace(/\.ts$/, ".js").split("\\").join("/");
        const url = `new URL(${JSON.stringify(`./${asCompiled}`)}, import.meta.url).href`;
        return { contents: source.replaceAll("import.meta.url", url), loader: "ts" };
      });
    },
  };
}

export interface BuildOptions {
  /** Output folder; default `dist` in the checkout. */
  outDir?: string;
  /** Where to write esbuild's metafile (what went into each output), if anywhere. */
  metafile?: string;
}

/** Builds the bundles into `outDir` (emptied first) and copies the files read beside the modules. */
export async function buildDist(options: BuildOptions = {}): Promise<Metafile> {
  const outDir = resolve(options.outDir ?? join(root, "dist"));
  // The folder is emptied first (chunk names change with their content): only ever a `dist`.
  if (basename(outDir) !== "dist")
    throw new Error(`build: the output folder must be named dist, not ${outDir}`);
  rmSync(outDir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: {
      "meter-gateway": "gateway/cli/main.ts",
      "meter-sim": "simulator/cli/main.ts",
    },
    outdir: outDir,
    // In the output folder itself, beside the entries (see moduleUrlAsInTree).
    chunkNames: "[name]-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external,
    // CommonJS packages in the bundle (commander, mqtt ...) call require() for node's modules.
    banner: {
      js: 'import { createRequire as __bundleCreateRequire } from "node:module"; const require = __bundleCreateRequire(import.meta.url);',
    },
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "none",
    // Maps beside the chunks (read only under `node --enable-source-maps`, never by the service itself):
    // stack traces and CPU profiles (test/bench/profile-summary.ts) then name the TypeScript files.
    sourcemap: "linked",
    metafile: true,
    logLevel: "warning",
    plugins: [moduleUrlAsInTree()],
  });
  for (const folder of besideModules)
    cpSync(join(root, ...folder), join(outDir, ...folder), { recursive: true });
  if (options.metafile !== undefined) writeFileSync(options.metafile, JSON.stringify(result.metafile));
  return result.metafile;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const at = args.indexOf(name);
    return at < 0 ? undefined : args[at + 1];
  };
  const metafile = await buildDist({ outDir: option("--out-dir"), metafile: option("--metafile") });
  const scripts = Object.entries(metafile.outputs).filter(([file]) => file.endsWith(".js"));
  const kib = scripts.reduce((sum, [, output]) => sum + output.bytes, 0) / 1024;
  console.log(`build: ${scripts.length} JavaScript files, ${kib.toFixed(0)} KiB (and their source maps)`);
}
