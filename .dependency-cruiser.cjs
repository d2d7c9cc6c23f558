/**
 * Layer rules for meter-gateway, written down once and enforced by `npm run lint`
 * (dependency-cruiser; run alone with `npm run lint:deps`).
 *
 *   core/       Clock, the error type, the event bus, the logger. Everything may import it;
 *               it imports nothing of ours, so it can never pull a feature into a test.
 *   protocols/  Pure codecs, decoders and meter profiles: bytes in, values out. Imports only
 *               core/ and protocols/. No I/O module (node:fs, node:net, serialport, mqtt, ...)
 *               except in protocols/<name>/transport/ (meter links) and protocols/<name>/io/
 *               (reading profile files): the I/O edges, kept apart so codecs stay testable on bytes.
 *   gateway/    The service. May import core/ and protocols/, never simulator/ (the demo
 *               command is the one exception: it starts simulated meters on purpose).
 *   simulator/  Meters that speak the same protocols. May import core/ and protocols/,
 *               never gateway/: a simulator that borrows gateway code would test it against itself.
 *   tests       (*.test.ts, test/, testing/ folders) may import anything.
 *   Everywhere: no import cycles. A cycle means two modules cannot be understood, tested or
 *               started one without the other.
 *
 * There is no baseline of known violations: the tree has none, and any violation fails lint.
 */

/** Test code: may import anything, so the layer rules below skip it. */
const testPaths = ["\\.test\\.ts$", "^test/", "/testing/"];

/** Modules that do I/O. Codecs and decoders must stay functions over bytes and values. */
const ioModules = [
  "^node:(fs|fs/promises|net|tls|dgram|http|https|http2|child_process|worker_threads|cluster|readline|dns)$",
  "^(fs|fs/promises|net|tls|dgram|http|https|http2|child_process|worker_threads|cluster|readline|dns)$",
  "^(serialport|@serialport/.*|mqtt|better-sqlite3|modbus-serial|modbus-serial/.*|aedes|node-cron|prom-client)$",
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment:
        "A cycle means two modules cannot be understood, tested or started one without the other; " +
        "imports run one way (core <- protocols <- gateway/simulator).",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "core-imports-nothing-of-ours",
      comment:
        "core/ is the lowest layer (Clock, errors, event bus, logger): everything imports it, " +
        "so it must import nothing of ours or every test drags features in.",
      severity: "error",
      from: { path: "^core/", pathNot: testPaths },
      to: { path: "^(gateway|protocols|simulator)/" },
    },
    {
      name: "protocols-import-only-core-and-protocols",
      comment:
        "protocols/ are pure codecs shared by the gateway and the simulator; importing either " +
        "would make the simulator test the gateway against itself and break the layering.",
      severity: "error",
      from: { path: "^protocols/", pathNot: testPaths },
      to: { path: "^(gateway|simulator)/" },
    },
    {
      name: "protocols-no-io-outside-transport",
      comment:
        "Protocol code does no I/O (STYLE.md principle 1): codecs and decoders are functions over " +
        "bytes and values, testable without ports or files. Only protocols/*/transport/ (meter links) " +
        "and protocols/*/io/ (reading profile files) may do I/O.",
      severity: "error",
      from: { path: "^protocols/", pathNot: [...testPaths, "^protocols/[^/]+/(transport|io)/"] },
      to: { dependencyTypes: ["core", "npm", "npm-dev", "npm-optional", "npm-peer"], path: ioModules },
    },
    {
      name: "simulator-never-imports-gateway",
      comment:
        "The simulator stands in for real meters: if it borrowed gateway code, a gateway bug " +
        "would be mirrored by the simulator and the tests would pass. Share through core/ or protocols/.",
      severity: "error",
      from: { path: "^simulator/", pathNot: testPaths },
      to: { path: "^gateway/" },
    },
    {
      name: "gateway-never-imports-simulator",
      comment:
        "The service must run without the simulator installed. The demo command is the one " +
        "exception: it starts simulated meters on purpose, by a dynamic import.",
      severity: "error",
      from: { path: "^gateway/", pathNot: [...testPaths, "^gateway/cli/demo\\.ts$"] },
      to: { path: "^simulator/" },
    },
    {
      name: "not-to-unresolvable",
      comment: "An import that does not resolve is a typo or a missing dependency.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|dist)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
      extensions: [".ts", ".d.ts", ".js", ".cjs", ".mjs", ".json"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
