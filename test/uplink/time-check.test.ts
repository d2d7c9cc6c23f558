/**
 * `time.check` over a real broker (docs/mqtt.md 6.3, "time.check"): a request that waited in the
 * broker's persistent session while the gateway was away is answered with its own timestamps, so the
 * platform can tell the queueing from the clock offset: `issuedAtMs` (echoed), `receivedAtMs` (gateway
 * clock at arrival), `skewMs` = receivedAtMs − issuedAtMs, `wallMs` (gateway clock when answering).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { signedRequest } from "../helpers/uplink/fixtures.ts";
import type { MosquittoBroker } from "../helpers/index.ts";
import { startMosquitto } from "../helpers/index.ts";
import type { GatewayUnderTest } from "../helpers/uplink/harness.ts";
import { Platform } from "../helpers/platform.ts";
import { startGateway } from "../helpers/uplink/harness.ts";

let broker: MosquittoBroker;
let platform: Platform;
let gateway: GatewayUnderTest | undefined;
beforeAll(async () => {
  broker = await startMosquitto();
  platform = await Platform.connect(broker.url);
});
afterEach(async () => {
  await gateway?.stop().catch(() => undefined);
  gateway = undefined;
});
afterAll(async () => {
  await platform.close();
  await broker.stop();
});

describe("time.check", () => {
  it("answers a request that waited in the broker with the times it was issued and received", async () => {
    gateway = await startGateway({ url: broker.url, polled: true });
    const { dataDir } = gateway;
    await gateway.stop();
    gateway = undefined;
    // Issued 50 s ago by a platform whose clock agrees with the gateway's, then queued by the broker.
    const issuedAt = Date.now() - 50_000;
    const request = signedRequest("time.check", {}, { nowMs: issuedAt });
    await platform.client.publishAsync("mg/gw-test/request/time.check", JSON.stringify(request), { qos: 1 });
    const restartedAt = Date.now();
    gateway = await startGateway({ url: broker.url, polled: true, dataDir });
    await platform.until(
      () =>
        platform.on("response/time.check").some((m) => m.payload["transaction"] === request["transaction"]),
      "the queued time.check answered",
    );
    const answeredBy = Date.now();
    const reply = platform
      .on("response/time.check")
      .find((m) => m.payload["transaction"] === request["transaction"])!;
    const result = reply.payload["result"] as Record<string, number>;
    expect(reply.payload).toMatchObject({ status: "ok", result: { clock: "ok", issuedAtMs: issuedAt } });
    expect(result["receivedAtMs"]).toBeGreaterThanOrEqual(restartedAt);
    expect(result["receivedAtMs"]).toBeLessThanOrEqual(result["wallMs"]!);
    expect(result["wallMs"]).toBeLessThanOrEqual(answeredBy);
    // skewMs is the offset (here ~0) plus the 50 s and more the request spent queued; it says so.
    expect(result["skewMs"]).toBe(result["receivedAtMs"]! - issuedAt);
    expect(result["skewMs"]).toBeGreaterThanOrEqual(50_000);
  });
});
