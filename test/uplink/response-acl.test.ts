/**
 * Response topics and the broker ACL of docs/mqtt.md section 2, enforced by a real mosquitto: the
 * gateway's response arrives on an allowed response topic; a response topic outside
 * `{prefix}/{gatewayId}/response/` is refused BAD_RESPONSE_TOPIC on the default topic, nothing is
 * executed and nothing is published there. The ACL is the one in the doc, taken from it verbatim.
 */
import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MosquittoBroker } from "../helpers/index.ts";
import { startMosquitto } from "../helpers/index.ts";
import { Platform } from "../helpers/platform.ts";
import { signedRequest } from "../helpers/uplink/fixtures.ts";
import type { GatewayUnderTest } from "../helpers/uplink/harness.ts";
import { startGateway } from "../helpers/uplink/harness.ts";

const doc = readFileSync(new URL("../../docs/mqtt.md", import.meta.url), "utf8");
/** The fenced block of the doc that starts with the acl_file comment. */
const aclTemplate = /```\n(# mosquitto acl_file[\s\S]*?)```/.exec(doc)?.[1];

let broker: MosquittoBroker;
let platform: Platform;
let observer: Platform;
let gateway: GatewayUnderTest | undefined;
beforeAll(async () => {
  expect(aclTemplate, "docs/mqtt.md has the ACL template").toBeDefined();
  // The template, plus a test observer that may read everything (to see what is published where).
  broker = await startMosquitto({ acl: `${aclTemplate}\nuser observer\ntopic read #\n` });
  platform = await Platform.connect(broker.url, { username: "platform" });
  observer = await Platform.connect(broker.url, { username: "observer" }, "#");
});
afterEach(async () => {
  await gateway?.stop().catch(() => undefined);
  gateway = undefined;
});
afterAll(async () => {
  await Promise.all([platform.close(), observer.close()]);
  await broker.stop();
});

async function requestWithResponseTopic(responseTopic: string) {
  const request = signedRequest("time.check", {}, { nowMs: Date.now() });
  await platform.client.publishAsync("mg/gw-test/request/time.check", JSON.stringify(request), {
    qos: 1,
    properties: { responseTopic, correlationData: Buffer.from("corr-7") },
  });
  return request["transaction"];
}

const on = (who: Platform, topic: string) => who.messages.filter((m) => m.topic === topic);

describe("response topics under the documented ACL", () => {
  it("delivers on an allowed response topic and refuses one outside the gateway's subtree", async () => {
    gateway = await startGateway({ url: broker.url, polled: true, mqtt: { username: "gw-test" } });
    const allowed = "mg/gw-test/response/time.check/client-7";
    const tx = await requestWithResponseTopic(allowed);
    await platform.until(() => on(platform, allowed).length === 1, "response on the allowed topic");
    expect(on(platform, allowed)[0]).toMatchObject({ payload: { status: "ok", transaction: tx } });
    expect(on(platform, allowed)[0]?.correlationData?.toString()).toBe("corr-7");

    const outside = "mg/other-gw/response/time.check/client-7";
    const refusedTx = await requestWithResponseTopic(outside);
    await platform.until(
      () => platform.on("response/time.check").some((m) => m.payload["transaction"] === refusedTx),
      "refusal on the default topic",
    );
    const refusal = platform.on("response/time.check").find((m) => m.payload["transaction"] === refusedTx);
    expect(refusal?.payload).toMatchObject({
      status: "error",
      code: "BAD_RESPONSE_TOPIC",
      details: { responseTopic: outside, allowed: "mg/gw-test/response/#" },
    });
    // Positive signal that anything the gateway published for the refused request has arrived: a later
    // response from the same connection (the broker keeps one publisher's QoS 1 messages in order).
    await requestWithResponseTopic(allowed);
    await observer.until(() => on(observer, allowed).length === 2, "the next response");
    expect(on(observer, outside)).toEqual([]);
    expect(gateway.executor.calls.map((c) => c.context.transaction)).not.toContain(refusedTx);
  });
});
