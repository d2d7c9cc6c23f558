/**
 * Uplink.reloadKeys (what SIGHUP calls once the config has loaded): a key file that turned bad after the
 * config was checked keeps every key in force, names the file by its config field, and commands under
 * the old key keep working; a good file replaced in place is put in force. Real mosquitto, real store.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startMosquitto, type MosquittoBroker } from "../helpers/index.ts";
import { Platform } from "../helpers/platform.ts";
import { signedRequest, testKey } from "../helpers/uplink/fixtures.ts";
import { startGateway, stopParts, type UplinkTestParts } from "../helpers/uplink/harness.ts";

const parts: UplinkTestParts = {};
let broker: MosquittoBroker;
beforeAll(async () => {
  broker = parts.broker = await startMosquitto();
  parts.platform = await Platform.connect(broker.url);
});
afterEach(async () => {
  await parts.gateway?.stop().catch(() => undefined);
  parts.gateway = undefined;
});
afterAll(() => stopParts(parts));

const timeCheck = (key: Buffer, kid: string) =>
  parts.platform!.request("time.check", signedRequest("time.check", {}, { nowMs: Date.now(), key, kid }));

describe("reloading keys in a running uplink", () => {
  it("keeps the keys in force when a file cannot be used, and takes a key replaced in place", async () => {
    const gateway = (parts.gateway = await startGateway({ url: broker.url, polled: true }));
    const file = join(gateway.dataDir, "command.key");
    const newKey = Buffer.from("replaced-in-place-0123456789abcdef");

    expect(() =>
      gateway.uplink.reloadKeys({
        commandKeys: [{ id: "default", file: join(gateway.dataDir, "gone.key") }],
      }),
    ).toThrow(
      /^mqtt\.commandKeys\[0\]\.file: cannot read the command key file .*gone\.key: it does not exist$/,
    );
    expect(gateway.uplink.keyRing.commandKeys.map((k) => k.id)).toEqual(["default"]);
    expect(await timeCheck(testKey, "default")).toMatchObject({ status: "ok" });

    writeFileSync(file, "short\n");
    expect(() => gateway.uplink.reloadKeys({ commandKeyFile: file })).toThrow(/command key is 5 characters/);
    expect(await timeCheck(testKey, "default")).toMatchObject({ status: "ok" });

    writeFileSync(file, `${newKey.toString()}\n`);
    expect(gateway.uplink.reloadKeys({ commandKeyFile: file })).toBe(true);
    expect(gateway.uplink.reloadKeys({ commandKeyFile: file })).toBe(false);
    expect(await timeCheck(newKey, "default")).toMatchObject({ status: "ok" });
    expect(await timeCheck(testKey, "default")).toMatchObject({ status: "error", code: "BAD_SIGNATURE" });
  });
});
