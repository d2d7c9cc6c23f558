/**
 * Helpers for integration tests that drive real parts: a mosquitto broker, socat pseudo-terminals,
 * TCP ports, temp dirs and CLI runs. Import from here: `import { startMosquitto } from "./index.ts"`.
 * Heavier helpers that load gateway or simulator code are imported by path so a test pays only for what
 * it uses: processes.ts, bus-harness.ts (a real bus: transport, scheduler, poller), simulator.ts,
 * service.ts (meter-gateway run as a child), platform.ts (the MQTT platform side).
 */
export { freePort, acceptsConnections, waitForPort, LOOPBACK } from "./ports.ts";
export type { WaitForPortOptions } from "./ports.ts";
export { startMosquitto } from "./mosquitto.ts";
export type { MosquittoBroker, StartMosquittoOptions, TlsMosquittoBroker } from "./mosquitto.ts";
export { createPtyPair } from "./pty.ts";
export type { PtyPair } from "./pty.ts";
export { tempDir } from "./temp-dir.ts";
export type { TempDir } from "./temp-dir.ts";
export { waitFor } from "./wait-for.ts";
export type { Truthy, WaitForOptions } from "./wait-for.ts";
export { findExecutable, missingTools, requireTool, INSTALL_COMMAND, REQUIRED_TOOLS } from "./tools.ts";
export type { ToolName } from "./tools.ts";
export { runCli, gatewayCli } from "./run-cli.ts";
export type { CliResult } from "./run-cli.ts";
