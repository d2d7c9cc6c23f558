/**
 * `node --import tsx test/bench/seal-cost.ts [n]`: CPU per published message of the uplink signature
 * (gateway/uplink/keys/seal.ts, HMAC-SHA256 over the exact bytes) beside an Ed25519 signature of the
 * same bytes, the alternative it was chosen over (docs/mqtt.md 6.2.2). Two record shapes: a billing
 * charge (one per billed reading) and a readings batch of 10. CPU time of this process
 * (`process.cpuUsage`), after a warm-up; a probe, never a test.
 */
import { generateKeyPairSync, sign } from "node:crypto";
import { sealPayload } from "../../gateway/uplink/keys/seal.ts";

const n = Number(process.argv[2] ?? 50_000);
const uplinkKey = { id: "up-2026-12", key: Buffer.from("fedcba9876543210fedcba9876543210") };
const { privateKey } = generateKeyPairSync("ed25519");

const envelope = (seq: number, body: unknown) => ({
  v: 1,
  gatewayId: "site-01",
  stream: "billing",
  seq,
  key: `charge:${seq}`,
  wallMs: 1767614400123 + seq,
  monoMs: 8812345 + seq,
  historical: false,
  body,
});
const charge = {
  kind: "charge",
  accountId: "A-101",
  meterId: "M-7",
  readingId: 88123,
  energyWh: 12,
  amount: "-0.0063396",
  balance: "95.5012345",
  parts: [{ energyWh: 12, price: "0.5283", period: "flat", tier: 0, amount: "-0.0063396" }],
};
const reading = (i: number) => ({
  readingId: 88123 + i,
  meterId: `M-${i}`,
  wallMs: 1767614400123,
  monoMs: 8812345.25,
  values: { importEnergyWh: 1234567, voltageV: 229.7, currentA: 3.21, powerW: 712.3, frequencyHz: 50.01 },
  relayClosed: true,
  quality: [],
});
const shapes = {
  "billing charge": JSON.stringify(envelope(1042, charge)),
  "readings batch of 10": JSON.stringify(
    envelope(1042, { kind: "readings", readings: Array.from({ length: 10 }, (_, i) => reading(i)) }),
  ),
};

/** CPU µs per call of `fn` over `n` calls, after a warm-up of n/10. */
function cpuMicros(fn: () => unknown, count: number): number {
  for (let i = 0; i < count / 10; i++) fn();
  const start = process.cpuUsage();
  for (let i = 0; i < count; i++) fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / count;
}

for (const [name, json] of Object.entries(shapes)) {
  const bytes = Buffer.byteLength(json);
  const hmac = cpuMicros(() => sealPayload(json, uplinkKey), n);
  const ed25519 = cpuMicros(() => sign(null, Buffer.from(json), privateKey), Math.max(1000, n / 10));
  console.log(
    `${name} (${bytes} bytes): HMAC-SHA256 seal ${hmac.toFixed(2)} µs, Ed25519 sign ${ed25519.toFixed(2)} µs CPU per message`,
  );
}
