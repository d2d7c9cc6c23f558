import { describe, expect, it } from "vitest";
import { parseClientConfig } from "../uplink/client/config.ts";
import { mqttConfigSchema, uplinkDefaults, uplinkSettings } from "./mqtt.ts";

describe("mqtt config section", () => {
  it("accepts the documented keys, defaults only topicPrefix, and applies tuning defaults in code", () => {
    const config = mqttConfigSchema.parse({
      url: "mqtts://broker.example.com:8883",
      clientId: "site-01-gw",
      commandKeyFile: "/etc/meter-gateway/command.key",
      username: "site-01",
      passwordFile: "/etc/meter-gateway/mqtt.password",
      tls: { caFile: "ca.pem", certFile: "gw.crt", keyFile: "gw.key", servername: "broker.example.com" },
      window: 64,
    });
    expect(config.topicPrefix).toBe("mg");
    expect(mqttConfigSchema.parse({ url: "mqtt://localhost:1883" })).toEqual({
      url: "mqtt://localhost:1883",
      topicPrefix: "mg",
    });
    expect(uplinkSettings(config)).toEqual({ ...uplinkDefaults, window: 64 });
    expect(uplinkSettings({ reconnectMinMs: 5000, reconnectMaxMs: 1000 }).reconnectMaxMs).toBe(5000);
  });

  it("names each bad field", () => {
    const result = mqttConfigSchema.safeParse({
      url: "http://broker",
      topicPrefix: "mg/+/x",
      window: 0,
      tls: { caFile: "ca.pem", verify: false },
      extra: 1,
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join("."));
    expect(paths.sort()).toEqual(["", "tls", "topicPrefix", "url", "window"]);
    const messages = result.error!.issues.map((i) => i.message).join("\n");
    expect(messages).toContain("window must be between 1 and 1000 (got 0)");
    expect(messages).toContain("url must be a URL starting with mqtt://");
  });
});

describe("client config file", () => {
  it("resolves file paths against the config file's directory", () => {
    const config = parseClientConfig(
      "url: mqtts://127.0.0.1:8883\ngatewayId: site-01\ncommandKeyFile: keys/command.key\ntls: { caFile: ca.pem }\n",
      "/etc/mg",
    );
    expect(config).toMatchObject({
      topicPrefix: "mg",
      commandKeyFile: "/etc/mg/keys/command.key",
      tls: { caFile: "/etc/mg/ca.pem" },
      timeoutMs: 15_000,
      ttlSec: 120,
    });
  });

  it("reports every bad field with its path", () => {
    expect(() => parseClientConfig("url: ftp://x\ngatewayId: 'bad id'\ntls: { cafile: x }\n", "/")).toThrow(
      /client config is invalid:\n {2}url: .*\n {2}gatewayId: .*\n {2}commandKeyFile: .*\n {2}tls: .*cafile/,
    );
    expect(() => parseClientConfig("url: [", "/")).toThrow(/not valid YAML/);
  });

  it("refuses a client ttlSec the gateway would refuse, naming the field; one rule for both", () => {
    const client = (extra: string) =>
      parseClientConfig(`url: mqtt://127.0.0.1:1883\ngatewayId: site-01\ncommandKeyFile: k\n${extra}`, "/");
    // The longest the gateway accepts by default is the longest the client sends by default.
    expect(client("ttlSec: 900\n").ttlSec).toBe(uplinkDefaults.commandMaxTtlSec);
    expect(() => client("ttlSec: 901\n")).toThrow(
      /client config is invalid:\n {2}ttlSec: 901 s is longer than the gateway accepts \(gatewayMaxTtlSec 900/,
    );
    // A gateway configured with a longer mqtt.commandMaxTtlSec: say so, and the longer ttl is allowed.
    expect(client("ttlSec: 3600\ngatewayMaxTtlSec: 3600\n").ttlSec).toBe(3600);
    expect(mqttConfigSchema.safeParse({ url: "mqtt://h:1", commandMaxTtlSec: 86_401 }).success).toBe(false);
  });
});
