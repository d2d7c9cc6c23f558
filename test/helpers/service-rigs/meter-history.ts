/**
 * Test support: the polls a running gateway would have made of the uplink fixtures' meters, fed to the
 * real engine so the commands that act on polled state (relay, anomaly.resolve, meter.replace.confirm)
 * find it. Nothing here is charged: a first reading is a baseline, a held jump is not billed and a
 * replaced meter starts a new baseline, so the accounts keep their opening balance.
 * Lives under testing/ so the production build can leave it out.
 */
import type { Clock } from "../../../core/clock.ts";
import type { Reading } from "../../../gateway/metering/reading.ts";
import type { Store } from "../../../gateway/store/index.ts";
import { ReadingIngest } from "../../../gateway/ingest/ingest.ts";
import type { PrepaidEngine } from "../../../gateway/billing/engine.ts";

/** Marks a store whose meters were polled, so a restart on it does not poll them again. */
const seededKey = "test.meterHistory";

/** Time between the polls, oldest first, ending at the clock's now, ms (less in a young process). */
const spacingMs = 60_000;

/**
 * Polls M-1 and M-2 (relay closed, serial 20000000, 10 kWh); then M-1 jumps to 90 kWh and stays there,
 * which the engine holds as anomaly 1; then M-1 answers with serial 20000001 at 40 Wh, a replacement
 * waiting for meter.replace.confirm. Once per store.
 */
export function seedMeterHistory(engine: PrepaidEngine, store: Store, clock: Clock): void {
  if (store.kv.get(seededKey) === true) return;
  const polls: Array<[meterId: string, energyWh: number, serialNumber: number]> = [
    ["M-1", 10_000, 20_000_000],
    ["M-2", 10_000, 20_000_000],
    ...Array.from({ length: 5 }, (): [string, number, number] => ["M-1", 90_000, 20_000_000]),
    ["M-1", 40, 20_000_001],
  ];
  const ingest = new ReadingIngest(store, engine);
  const wallNow = clock.now();
  const monoNow = clock.monotonicMs();
  // Monotonic time starts with the process and is never negative: a young process gets closer polls.
  const stepMs = Math.min(spacingMs, Math.floor(monoNow / (polls.length - 1)));
  polls.forEach(([meterId, energyWh, serialNumber], i) => {
    const agoMs = (polls.length - 1 - i) * stepMs;
    const reading: Reading = {
      meterId,
      busId: "b1",
      unit: meterId === "M-1" ? 1 : 2,
      wallMs: wallNow - agoMs,
      monoMs: monoNow - agoMs,
      values: { importEnergyWh: energyWh, serialNumber, powerW: 100 },
      relayClosed: true,
      quality: [],
      durationMs: 5,
    };
    ingest.ingest([reading]);
  });
  store.kv.set(seededKey, true);
}
