/**
 * Relative file and directory paths in the config resolve against the config file's directory, not the
 * process's working directory (which is `/` under systemd).
 */
import { join, resolve } from "node:path";
import type * as z from "zod";
import type { configSchema } from "./schema.ts";

type ParsedConfig = z.output<typeof configSchema>;

/** A copy of `config` with every path-valued key made absolute against `baseDir`. */
export function resolveConfigPaths(config: ParsedConfig, baseDir: string): ParsedConfig {
  const from = (path: string): string => resolve(baseDir, path);
  const optional = (path: string | undefined): string | undefined =>
    path === undefined ? undefined : from(path);
  const { gateway, mqtt, http } = config;
  return {
    ...config,
    meters: config.meters.map((meter) =>
      meter.protocol === "dlt645" && meter.relay.passwordFile !== undefined
        ? { ...meter, relay: { ...meter.relay, passwordFile: from(meter.relay.passwordFile) } }
        : meter,
    ),
    gateway: {
      ...gateway,
      dataDir: from(gateway.dataDir),
      ...(gateway.profilesDir === undefined ? {} : { profilesDir: from(gateway.profilesDir) }),
      ...(gateway.socketPath === undefined ? {} : { socketPath: from(gateway.socketPath) }),
    },
    ...(http?.tls === undefined
      ? {}
      : { http: { ...http, tls: { cert: from(http.tls.cert), key: from(http.tls.key) } } }),
    ...(mqtt === undefined
      ? {}
      : {
          mqtt: withDefined({
            ...mqtt,
            commandKeyFile: optional(mqtt.commandKeyFile),
            commandKeys: mqtt.commandKeys?.map((key) => ({ ...key, file: from(key.file) })),
            uplinkKey:
              mqtt.uplinkKey === undefined
                ? undefined
                : { ...mqtt.uplinkKey, file: from(mqtt.uplinkKey.file) },
            passwordFile: optional(mqtt.passwordFile),
            tls:
              mqtt.tls === undefined
                ? undefined
                : withDefined({
                    ...mqtt.tls,
                    caFile: optional(mqtt.tls.caFile),
                    certFile: optional(mqtt.tls.certFile),
                    keyFile: optional(mqtt.tls.keyFile),
                  }),
          }),
        }),
  };
}

/** `value` without its undefined properties, so optional keys stay absent rather than `undefined`. */
function withDefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/** The local API's Unix socket: `gateway.socketPath`, else `gateway.sock` in the data directory. */
export function localSocketPath(gateway: { readonly dataDir: string; readonly socketPath?: string }): string {
  return gateway.socketPath ?? join(gateway.dataDir, "gateway.sock");
}
