/**
 * Random payloads on every request topic (and on made-up command names): the service never crashes,
 * answers every message with an error response, changes nothing, and still executes a valid command.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { errorResponseSchema } from "../../gateway/uplink/commands/response.ts";
import { domainSnapshot, signedRequest } from "../helpers/uplink/fixtures.ts";
import { fuzzMessage, validParams } from "../helpers/uplink/command-fuzz.ts";
import type { MosquittoBroker } from "../helpers/index.ts";
import { startMosquitto } from "../helpers/index.ts";
import type { GatewayUnderTest } from "../helpers/uplink/harness.ts";
import { Platform } from "../helpers/platform.ts";
import { startGateway, stopParts } from "../helpers/uplink/harness.ts";

let broker: MosquittoBroker | undefined;
let gateway: GatewayUnderTest | undefined;
let platform: Platform | undefined;
afterEach(async () => {
  await stopParts({ gateway, platform, broker });
  gateway = platform = broker = undefined;
});

describe("command fuzzing", () => {
  it("answers every random payload with an error, changes nothing and keeps serving", async () => {
    broker = await startMosquitto();
    platform = await Platform.connect(broker.url);
    gateway = await startGateway({ url: broker.url });
    const p = platform;
    const before = domainSnapshot(gateway.store);
    const seed = Date.now();
    const samples = fc.sample(fuzzMessage, { numRuns: 300, seed });
    await Promise.all(
      samples.map(([command, payload]) =>
        p.client.publishAsync(`mg/gw-test/request/${command}`, payload, { qos: 1 }),
      ),
    );
    const responses = () => p.messages.filter((m) => m.topic.startsWith("mg/gw-test/response/"));
    await p.until(
      () => responses().length === samples.length,
      `a response per message (seed ${seed})`,
      20_000,
    );
    for (const response of responses()) {
      expect(() => errorResponseSchema.parse(response.payload), `seed ${seed}`).not.toThrow();
    }
    expect(domainSnapshot(gateway.store), `seed ${seed}`).toEqual(before);
    expect(gateway.executor.calls, `seed ${seed}`).toEqual([]);

    expect(gateway.uplink.connected).toBe(true);
    const valid = signedRequest("topup", validParams["topup"]!, { nowMs: Date.now() });
    expect(await p.request("topup", valid)).toMatchObject({ status: "ok" });
  }, 60_000);
});
