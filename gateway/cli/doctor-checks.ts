/**
 * The checks behind `meter-gateway doctor`. Each says what it looked at, whether it is fine, and in
 * plain words what to do when it is not.
 */
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { IClientOptions } from "mqtt";
import { connectMqtt } from "../uplink/mqtt-connect.ts";
import type { Config } from "../config/index.ts";
import { freeDiskBytes, ntpSynchronised } from "../service/host.ts";

export interface CheckResult {
  name: string;
  ok: boolean;
  /** "warn" results do not fail doctor. */
  level?: "warn";
  detail: string;
  fix?: string;
}

export function checkSerialDevices(config: Config): CheckResult[] {
  return config.buses.flatMap((bus): CheckResult[] => {
    // Modbus RTU and DL/T 645 serial lines alike.
    if (bus.transport !== "rtu" && bus.transport !== "serial") return [];
    const name = `serial device ${bus.path} (bus ${bus.id})`;
    if (!existsSync(bus.path)) {
      return [
        {
          name,
          ok: false,
          detail: "does not exist",
          fix: "check the USB-RS485 adapter is plugged in (ls /dev/ttyUSB* /dev/ttyAMA*), or fix buses[].path; a udev rule gives a stable name",
        },
      ];
    }
    try {
      accessSync(bus.path, constants.R_OK | constants.W_OK);
      return [{ name, ok: true, detail: "present and accessible" }];
    } catch {
      return [
        {
          name,
          ok: false,
          detail: "permission denied",
          fix: "add the service user to the dialout group: sudo usermod -aG dialout meter-gateway (or your user), then restart the service / log in again",
        },
      ];
    }
  });
}

export async function checkBroker(config: Config): Promise<CheckResult[]> {
  const mqttConfig = config.mqtt;
  if (mqttConfig === undefined)
    return [
      {
        name: "MQTT broker",
        ok: true,
        level: "warn",
        detail: "no mqtt section: running offline, everything is kept in the outbox",
      },
    ];
  let options: IClientOptions;
  try {
    options = brokerOptions(mqttConfig);
  } catch (error) {
    return [
      {
        name: `MQTT broker ${mqttConfig.url}`,
        ok: false,
        detail: `cannot read a credential file: ${error instanceof Error ? error.message : String(error)}`,
        fix: "check mqtt.passwordFile and mqtt.tls paths and their permissions",
      },
    ];
  }
  return [await probeBroker(mqttConfig.url, options)];
}

type MqttConfig = NonNullable<Config["mqtt"]>;

/** One-shot connection options; throws when a credential file cannot be read. */
function brokerOptions(mqttConfig: MqttConfig): IClientOptions {
  const tls = mqttConfig.tls;
  const read = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file));
  return {
    connectTimeout: 5000,
    reconnectPeriod: 0,
    ...(mqttConfig.username === undefined ? {} : { username: mqttConfig.username }),
    ...(mqttConfig.passwordFile === undefined
      ? {}
      : { password: readFileSync(mqttConfig.passwordFile, "utf8").trim() }),
    ...(tls?.caFile === undefined ? {} : { ca: read(tls.caFile) }),
    ...(tls?.certFile === undefined ? {} : { cert: read(tls.certFile) }),
    ...(tls?.keyFile === undefined ? {} : { key: read(tls.keyFile) }),
    rejectUnauthorized: tls?.rejectUnauthorized ?? true,
  };
}

/** Connects once and reports the first of: connected, an error, or no answer within 6 s. */
function probeBroker(url: string, options: IClientOptions): Promise<CheckResult> {
  return new Promise((resolve) => {
    const client = connectMqtt(url, options);
    const done = (result: CheckResult) => {
      client.end(true);
      resolve(result);
    };
    client.once("connect", () =>
      done({
        name: `MQTT broker ${url}`,
        ok: true,
        detail: url.startsWith("mqtts") ? "reachable, TLS certificate valid" : "reachable",
      }),
    );
    client.once("error", (error) =>
      done({
        name: `MQTT broker ${url}`,
        ok: false,
        detail: error.message,
        fix: brokerErrorFix(error.message),
      }),
    );
    setTimeout(
      () =>
        done({
          name: `MQTT broker ${url}`,
          ok: false,
          detail: "no answer within 5 s",
          fix: "the broker is unreachable: check the URL, the network and the firewall",
        }),
      6000,
    ).unref();
  });
}

/** What to do about a connection error, judged from its message. */
function brokerErrorFix(message: string): string {
  if (/certificate|self.signed|SSL|TLS|altname/i.test(message))
    return "the broker's TLS certificate does not verify: check mqtt.tls.caFile and that the URL's host name matches the certificate";
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|timeout/i.test(message))
    return "the broker is unreachable: check the URL, the network and the firewall";
  return "check the broker's user name, password and ACLs";
}

export function checkDatabase(config: Config): CheckResult[] {
  const file = join(config.gateway.dataDir, "gateway.db");
  if (!existsSync(file))
    return [
      {
        name: "database",
        ok: true,
        level: "warn",
        detail: `${file} does not exist yet (created at first start)`,
      },
    ];
  try {
    const db = new Database(file, { readonly: true });
    const result = db.prepare("PRAGMA integrity_check").pluck().get() as string;
    db.close();
    return [
      result === "ok"
        ? { name: `database ${file}`, ok: true, detail: "integrity_check ok" }
        : {
            name: `database ${file}`,
            ok: false,
            detail: result,
            fix: "stop the service and restore the last backup from the data directory",
          },
    ];
  } catch (error) {
    return [
      {
        name: `database ${file}`,
        ok: false,
        detail: error instanceof Error ? error.message : String(error),
        fix: "check the data directory's permissions",
      },
    ];
  }
}

export function checkDisk(config: Config, minFreeBytes = 200 * 1024 * 1024): CheckResult[] {
  const dir = existsSync(config.gateway.dataDir) ? config.gateway.dataDir : "/";
  const free = freeDiskBytes(dir);
  const mib = Math.round(free / 1024 / 1024);
  return [
    free >= minFreeBytes
      ? { name: `free disk (${dir})`, ok: true, detail: `${mib} MiB free` }
      : {
          name: `free disk (${dir})`,
          ok: false,
          detail: `only ${mib} MiB free`,
          fix: "free space or lower the retention limits; readings already delivered are pruned first",
        },
  ];
}

export function checkClock(): CheckResult[] {
  const synchronised = ntpSynchronised();
  if (synchronised === undefined)
    return [
      {
        name: "clock",
        ok: true,
        level: "warn",
        detail: "cannot tell whether the clock is synchronised (no timedatectl)",
      },
    ];
  return synchronised
    ? [{ name: "clock", ok: true, detail: "synchronised (NTP)" }]
    : [
        {
          name: "clock",
          ok: false,
          detail: "not synchronised",
          fix: "enable NTP: sudo timedatectl set-ntp true; a Pi without a real-time clock boots with a stale time",
        },
      ];
}
