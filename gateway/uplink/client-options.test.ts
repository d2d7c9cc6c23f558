import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { uplinkDefaults } from "../config/mqtt.ts";
import { clientOptions, readUplinkFiles } from "./client-options.ts";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function files(contents: Record<string, string>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "meter-gateway-uplink-"));
  dirs.push(dir);
  return Object.fromEntries(
    Object.entries(contents).map(([name, text]) => {
      writeFileSync(join(dir, name), text);
      return [name, join(dir, name)];
    }),
  );
}

describe("uplink files", () => {
  it("reads the password without its trailing newline, the command key and the TLS material", () => {
    const f = files({ pw: "s3cret-pass\n", key: "k".repeat(40) + "\n", ca: "CA", crt: "CRT", pem: "KEY" });
    const read = readUplinkFiles({
      passwordFile: f["pw"],
      commandKeyFile: f["key"],
      tls: { caFile: f["ca"], certFile: f["crt"], keyFile: f["pem"] },
    });
    expect(read.password).toBe("s3cret-pass");
    expect(read.commandKey?.toString()).toBe("k".repeat(40));
    expect([read.ca, read.cert, read.key].map(String)).toEqual(["CA", "CRT", "KEY"]);
  });

  it("names the file and the config key, never the content", () => {
    expect(() => readUplinkFiles({ passwordFile: "/nonexistent/pw" })).toThrow(
      "mqtt.passwordFile: cannot read the broker password file /nonexistent/pw: it does not exist",
    );
    const f = files({ key: "too-short-secret" });
    let message = "";
    try {
      readUplinkFiles({ commandKeyFile: f["key"] });
    } catch (error) {
      message = (error as Error).message;
      expect(error).toMatchObject({ code: "CONFIG_INVALID", context: { path: "mqtt.commandKeyFile" } });
    }
    expect(message).toContain("at least 32");
    expect(message).not.toContain("too-short-secret");
  });
});

describe("client options", () => {
  it("asks for MQTT 5, a persistent session, no MQTT.js reconnects or offline queueing, and a retained will", () => {
    const options = clientOptions({
      config: { url: "mqtts://b:8883", username: "site-01", tls: { servername: "broker.example.com" } },
      settings: uplinkDefaults,
      clientId: "mg-site-01",
      files: { password: "pw", ca: Buffer.from("CA") },
      will: { topic: "mg/site-01/status", payload: '{"state":"offline"}' },
      persistentSession: true,
    });
    expect(options).toMatchObject({
      protocolVersion: 5,
      clientId: "mg-site-01",
      clean: false,
      properties: { sessionExpiryInterval: 86_400 },
      reconnectPeriod: 0,
      queueQoSZero: false,
      resubscribe: false,
      keepalive: 30,
      username: "site-01",
      password: "pw",
      servername: "broker.example.com",
      rejectUnauthorized: true,
      will: { topic: "mg/site-01/status", qos: 1, retain: true },
    });
    expect(String(options.will?.payload)).toBe('{"state":"offline"}');
  });
});
