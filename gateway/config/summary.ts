/** A few lines describing a loaded config, logged at start so a technician can see what was understood. */
import type { BusConfig, Config } from "./schema.ts";

/**
 * E.g.
 * ```
 * gateway 'gw-01' (timezone Asia/Shanghai, log info)
 * 2 buses: rs485-1 rtu /dev/ttyUSB0 9600 8N1 (3 meters), plant tcp 10.0.0.5:502 (1 meter)
 * 4 meters, 2 accounts, 1 tariff, mqtt on (mqtts://broker.example.com:8883)
 * ```
 */
export function summarizeConfig(config: Config): string {
  const { gateway, buses, meters } = config;
  const busList = buses.map((bus) => {
    const meterCount = meters.filter((meter) => meter.bus === bus.id).length;
    return `${bus.id} ${describeBus(bus)} (${count(meterCount, "meter")})`;
  });
  const mqtt = config.mqtt === undefined ? "mqtt off" : `mqtt on (${config.mqtt.url})`;
  return [
    `gateway '${gateway.id}' (timezone ${gateway.timezone}, log ${gateway.logLevel})`,
    `${count(buses.length, "bus", "buses")}${buses.length > 0 ? `: ${busList.join(", ")}` : ""}`,
    [
      count(meters.length, "meter"),
      count(config.accounts?.length ?? 0, "account"),
      count(config.tariffs?.length ?? 0, "tariff"),
      mqtt,
    ].join(", "),
  ].join("\n");
}

function describeBus(bus: BusConfig): string {
  if (bus.protocol === "dlt645") {
    if (bus.transport === "tcp") return `dlt645 tcp ${bus.host}:${bus.port}`;
    const parity = { none: "N", even: "E", odd: "O" }[bus.parity];
    return `dlt645 ${bus.path} ${bus.baudRate} ${bus.dataBits}${parity}${bus.stopBits}`;
  }
  switch (bus.transport) {
    case "rtu": {
      const parity = { none: "N", even: "E", odd: "O" }[bus.parity];
      return `rtu ${bus.path} ${bus.baudRate} ${bus.dataBits}${parity}${bus.stopBits}`;
    }
    case "tcp":
    case "rtu-over-tcp":
      return `${bus.transport} ${bus.host}:${bus.port}`;
  }
}

function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
