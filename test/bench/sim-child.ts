/**
 * Simulated Modbus TCP meters in their own process, so the simulator does not share the gateway's CPU
 * accounting: one endpoint per port, `metersPerPort` units each (1..247 per endpoint).
 * Prints `ready <port,port,...>` once every endpoint listens; SIGTERM stops them.
 *
 * Usage: node --import tsx test/bench/sim-child.ts <ports> <metersPerPort> <profile>
 */
import { requireProfile } from "../../protocols/profiles/load.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { startSimulator, type RunningSimulator } from "../../simulator/start.ts";
import { benchProfilesDir } from "./common.ts";

const [portsArg, perPortArg, profileId] = process.argv.slice(2);
const ports = Number(portsArg ?? "1");
const perPort = Number(perPortArg ?? "125");
const profile = requireProfile(loadProfiles(benchProfilesDir), profileId ?? "generic-prepaid");
const sims: RunningSimulator[] = [];
for (let p = 0; p < ports; p++) {
  sims.push(
    await startSimulator({
      endpoint: { kind: "tcp", host: "127.0.0.1", port: 0 },
      meters: Array.from({ length: perPort }, (_, i) => ({ unit: i + 1, profile, powerW: 1500 + i })),
    }),
  );
}
process.stdout.write(`ready ${sims.map((s) => s.port).join(",")}\n`);
process.on("SIGTERM", () => {
  void Promise.all(sims.map((s) => s.stop())).then(() => process.exit(0));
});
