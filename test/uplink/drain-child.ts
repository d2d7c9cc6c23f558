/**
 * Child process for the SIGKILL test: opens a store in <dataDir>, fills its outbox with a large backlog
 * on the first run only, and runs the real Uplink against <brokerUrl> until killed. Prints `started`
 * once the uplink is running. SIGTERM stops it cleanly.
 *
 * Usage: node --import tsx test/uplink/drain-child.ts <dataDir> <brokerUrl> <recordsPerStream>
 */
import { SystemClock } from "../../core/clock.ts";
import { silentLogger } from "../../core/logger.ts";
import { openStore } from "../../gateway/store/index.ts";
import { mqttConfigSchema } from "../../gateway/config/mqtt.ts";
import { startExecutorRig } from "../helpers/service-rigs/executor-rig.ts";
import { testGatewayId } from "../helpers/uplink/fixtures.ts";
import { Uplink } from "../../gateway/uplink/uplink.ts";
import { addRecords } from "../helpers/uplink/records.ts";

const [dataDir, url, perStreamArg] = process.argv.slice(2);
if (dataDir === undefined || url === undefined)
  throw new Error("usage: drain-child.ts <dataDir> <brokerUrl> <n>");
const perStream = Number(perStreamArg ?? "1000");
const clock = new SystemClock();
const store = openStore({ dataDir, clock });

if (store.kv.get("drain.seeded") !== true) {
  for (let done = 0; done < perStream; done += 500) {
    for (const stream of ["readings", "billing", "events"] as const) {
      addRecords(store, stream, Math.min(500, perStream - done), `${stream}-seed`);
    }
  }
  store.kv.set("drain.seeded", true);
}

const uplink = new Uplink({
  config: mqttConfigSchema.parse({
    url,
    clientId: "gw-drain-child",
    reconnectMinMs: 100,
    reconnectMaxMs: 1000,
    pollIntervalMs: 50,
    // Slow enough that the parent can kill it mid-drain.
    backlogRatePerSec: 1500,
    window: 50,
  }),
  gatewayId: testGatewayId,
  store,
  clock,
  logger: silentLogger(),
  version: "0.0.0-drain",
  statusProvider: () => ({ meters: { total: 0, online: 0, offline: 0 } }),
  executor: startExecutorRig({ store, clock }).executor,
});
await uplink.start();
process.stdout.write("started\n");
process.on("SIGTERM", () => {
  void uplink.stop().then(() => {
    store.close();
    process.exit(0);
  });
});
