/**
 * The site of figure 3 and of the ingest A/B (ab-ingest.ts): `meters` generic-prepaid meters, 200 to a
 * bus, each billing to its own account (5,000.00 yuan) at a flat 0.5283 yuan/kWh.
 */

/** Config text of the site; `meters` is a multiple of 200. */
export function ingestSiteConfig(gatewayId: string, dataDir: string, meters: number): string {
  return [
    `gateway: { id: ${gatewayId}, dataDir: ${dataDir}, logLevel: warn }`,
    "buses:",
    ...Array.from(
      { length: meters / 200 },
      (_, b) => `  - { id: b${b}, transport: tcp, host: 127.0.0.1, port: ${1000 + b} }`,
    ),
    "meters:",
    ...Array.from(
      { length: meters },
      (_, i) =>
        `  - { id: m${i}, bus: b${Math.floor(i / 200)}, unit: ${(i % 200) + 1}, profile: generic-prepaid, account: a${i} }`,
    ),
    'tariffs: [{ id: flat, kind: flat, price: "0.5283" }]',
    "accounts:",
    ...Array.from({ length: meters }, (_, i) => `  - { id: a${i}, tariff: flat, balance: "5000.00" }`),
  ].join("\n");
}
