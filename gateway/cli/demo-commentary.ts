/**
 * What `meter-gateway demo` prints: the intro (what runs where, the commands to try) and the running
 * commentary (new audit events, the balances).
 */
import type { AcceleratedClock } from "../../core/clock.ts";
import { formatYuan } from "../prepaid/index.ts";
import type { Gateway } from "../service/gateway.ts";
import { demoBusNames, demoMeters, type DemoProtocol } from "./demo-config.ts";

const say = (text: string) => process.stdout.write(`${text}\n`);

/** What runs where, and the commands to try. */
export function printIntro(demo: {
  protocol: DemoProtocol;
  address: string;
  speed: number;
  configFile: string;
  clientConfig: string;
  mqttPort: number;
}): void {
  const { address, speed, configFile, clientConfig, mqttPort } = demo;
  say(
    `meter-gateway demo: ${demoMeters.length} simulated prepaid meters on ${demoBusNames[demo.protocol]} ${address}, time x${speed}`,
  );
  say(`  config: ${configFile}`);
  for (const m of demoMeters) say(`  ${m.id.padEnd(10)} ${m.note}`);
  say("");
  say(
    "Watch it poll, charge, warn, announce and execute a cut. Then top up as the platform would, and watch the restore:",
  );
  say(
    `  npx meter-gateway command topup --config ${clientConfig} --account flat-2 --amount-fen 2000 --purchase-seq 1 --payment-ref demo-1`,
  );
  say("or as a technician on site (works without the uplink):");
  say(`  npx meter-gateway topup -c ${configFile} --account flat-2 --amount-fen 2000 --seq 1 --ref demo-1`);
  say("See what the platform receives, with any MQTT client:");
  say(
    `  npx mqtt sub -h 127.0.0.1 -p ${mqttPort} -t 'mg/demo-gw/#' -v     (or mosquitto_sub with the same options)`,
  );
  say(`  npx meter-gateway status -c ${configFile}`);
  if (demo.protocol === "modbus") {
    say("flat-2's prepayment terminal (unit 20) shows what the gateway writes to it; send it a message:");
    say(
      `  npx meter-gateway command terminal.message --config ${clientConfig} --terminal flat-2-display --text "Hello from the platform" --until ${new Date(Date.now() + 3_600_000).toISOString()}`,
    );
  }
  say("Ctrl-C stops everything.\n");
}

/** Prints new events every 250 ms and the balances every 5 s; returns what stops both. */
export function startCommentary(
  gateway: Gateway,
  simClock: AcceleratedClock,
  relayCut: (unit: number) => boolean,
): () => void {
  let lastEventId = 0;
  const stamp = () => new Date(simClock.now()).toISOString().slice(11, 16);
  const tick = setInterval(() => {
    for (const e of gateway.store.events.list({ afterId: lastEventId, limit: 100 })) {
      lastEventId = e.id;
      const body = e.payload as { message?: string };
      say(
        `${stamp()}  ${(e.meterId ?? e.accountId ?? "").padEnd(10)} ${e.type.padEnd(18)} ${body.message ?? ""}`,
      );
    }
  }, 250);
  const balances = setInterval(() => {
    const parts = gateway.store.accounts.list().map((a) => {
      const meter = demoMeters.find((m) => m.account === a.id);
      const relay = meter !== undefined && relayCut(meter.unit) ? " (supply cut)" : "";
      return `${a.id} ${formatYuan(a.balanceE7)}${relay}`;
    });
    say(`${stamp()}  balances: ${parts.join(", ")}`);
  }, 5000);
  return () => {
    clearInterval(tick);
    clearInterval(balances);
  };
}
