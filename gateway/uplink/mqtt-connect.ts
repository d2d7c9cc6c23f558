/**
 * MQTT.js clients for `mqtt://` and `mqtts://` brokers, on node:net and node:tls directly. MQTT.js's own
 * `connect()` loads all its stream builders at its first call, the WebSocket one (`ws`) and the SOCKS one
 * (`socks`, `ip-address`) among them: 0.6 MiB of heap in `meter-gateway run` (1.5 in a bare process) that
 * a TCP or TLS uplink never uses (docs/bench.md, "Memory, second round"). The builders below do what
 * MQTT.js 5's lib/connect/tcp.js and tls.js do when no SOCKS proxy is set, and the options go through the
 * same steps as in its connect() (URL, credentials in the URL, client certificate upgrading `mqtt` to
 * `mqtts`). `ws://`, `wss://` and a SOCKS proxy (`MQTTJS_SOCKS_PROXY` or `socksProxy`) still go through
 * MQTT.js's `connect()`, which loads them then.
 */
import { createRequire } from "node:module";
import { connect as netConnect, isIP, type Socket } from "node:net";
import type * as Tls from "node:tls";
import type { IClientOptions } from "mqtt";
import { MqttClient, connect as mqttJsConnect } from "mqtt";

/**
 * node:tls through require: an ES import of a built-in module reads every export to build its namespace,
 * and node:tls's `rootCertificates` getter then materialises Node's 144 root CA certificates as strings
 * (0.2 MiB of heap) that no connection reads: TLS verifies against OpenSSL's copy of them.
 */
const tls = createRequire(import.meta.url)("node:tls") as typeof Tls;

/** Client options as the stream builders see them (MQTT.js keeps and mutates this one object). */
type BuilderOptions = IClientOptions & { hostname?: string; auth?: string };

/** Protocols this module connects itself; everything else is MQTT.js's. */
const ownProtocols = new Set(["mqtt", "mqtts"]);

/**
 * An MQTT.js client for `url`, connecting at once, exactly as MQTT.js's `connect(url, options)` would
 * (the same events, errors, keepalive, connect timeout and reconnect options) but for `mqtt://` and
 * `mqtts://` without loading its WebSocket and SOCKS code.
 * @throws Error as MQTT.js's connect() does: `Missing clientId for unclean clients` (clean: false without a
 *   client id), or TypeError for a URL that does not parse
 */
export function connectMqtt(url: string, options: IClientOptions): MqttClient {
  const parsed = new URL(url);
  const protocol = (options.protocol ?? parsed.protocol).replace(/:$/, "");
  const socksProxy = options.socksProxy ?? process.env["MQTTJS_SOCKS_PROXY"];
  if (!ownProtocols.has(protocol) || socksProxy !== undefined || options.servers !== undefined) {
    return mqttJsConnect(url, options);
  }
  const opts: BuilderOptions = { ...urlOptions(parsed), ...options };
  opts.protocol = protocol as "mqtt" | "mqtts";
  if (opts.auth !== undefined) {
    const [, username, password] = /^(.+):(.+)$/.exec(opts.auth) ?? [undefined, opts.auth];
    opts.username = username;
    if (password !== undefined) opts.password = password;
  }
  const clientId = parsed.searchParams.get("clientId");
  if (clientId !== null) opts.clientId = clientId;
  // As in MQTT.js: a client certificate means TLS, whatever the URL says.
  if (opts.cert !== undefined && opts.key !== undefined && opts.protocol === "mqtt") opts.protocol = "mqtts";
  if (opts.clean === false && !opts.clientId) throw new Error("Missing clientId for unclean clients");
  opts.defaultProtocol = opts.protocol;
  const build = opts.protocol === "mqtts" ? tlsStream : tcpStream;
  const client = new MqttClient((self) => build(self, opts), opts);
  // MQTT.js adds the same listener: an 'error' nobody listens to must not crash the process.
  client.on("error", () => {});
  return client;
}

/** Host, port and credentials of the URL, as MQTT.js takes them from `url.parse`. */
function urlOptions(parsed: URL): BuilderOptions {
  const opts: BuilderOptions = { host: parsed.hostname.replace(/^\[(.*)\]$/, "$1") };
  if (parsed.port !== "") opts.port = Number(parsed.port);
  if (parsed.username !== "") {
    const user = decodeURIComponent(parsed.username);
    opts.auth = parsed.password === "" ? user : `${user}:${decodeURIComponent(parsed.password)}`;
  }
  return opts;
}

/** MQTT.js lib/connect/tcp.js without the SOCKS branch. */
function tcpStream(_client: MqttClient, opts: BuilderOptions): Socket {
  opts.port = opts.port || 1883;
  opts.hostname = opts.hostname || opts.host || "localhost";
  return netConnect({ port: opts.port, host: opts.hostname });
}

/**
 * MQTT.js lib/connect/tls.js without the SOCKS branch: the server name defaults to the host unless it is
 * an address, and with rejectUnauthorized (the default) a TLS failure is the client's error.
 */
function tlsStream(client: MqttClient, opts: BuilderOptions): Tls.TLSSocket {
  opts.port = opts.port || 8883;
  opts.host = opts.hostname || opts.host || "localhost";
  if (isIP(opts.host) === 0 && !opts.servername) opts.servername = opts.host;
  opts.rejectUnauthorized = opts.rejectUnauthorized !== false;
  delete opts.path;
  const connection = tls.connect(opts as Tls.ConnectionOptions);
  const onTlsError = (error: Error): void => {
    if (opts.rejectUnauthorized) client.emit("error", error);
    connection.end();
  };
  connection.on("secureConnect", () => {
    if (opts.rejectUnauthorized && !connection.authorized) {
      connection.emit("error", new Error("TLS not authorized"));
    } else {
      connection.removeListener("error", onTlsError);
    }
  });
  connection.on("error", onTlsError);
  return connection;
}
