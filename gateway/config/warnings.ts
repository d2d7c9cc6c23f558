/**
 * Things a valid config may still get wrong: the gateway starts, but the technician should look.
 */
import type { PathIssue } from "./issues.ts";
import type { Config } from "./schema.ts";

export function configWarnings(config: Config): PathIssue[] {
  const warnings: PathIssue[] = [];
  if (config.meters.length === 0) warnings.push({ path: ["meters"], message: "no meters are configured" });
  for (const [index, bus] of config.buses.entries()) {
    if (!config.meters.some((meter) => meter.bus === bus.id)) {
      warnings.push({ path: ["buses", index, "id"], message: `bus '${bus.id}' has no meters` });
    }
  }
  for (const [index, meter] of config.meters.entries()) {
    const bus = config.buses.find((candidate) => candidate.id === meter.bus);
    if (bus === undefined) continue;
    // A silent meter holds the line for every attempt's timeout plus the gap after it.
    const silentPollMs = (bus.retries + 1) * (bus.timeoutMs + bus.interFrameGapMs);
    if (meter.pollIntervalMs < silentPollMs) {
      warnings.push({
        path: ["meters", index, "pollIntervalMs"],
        message:
          `pollIntervalMs ${meter.pollIntervalMs} is shorter than one unanswered request on bus '${bus.id}' ` +
          `(${bus.retries + 1} x (timeoutMs ${bus.timeoutMs} + interFrameGapMs ${bus.interFrameGapMs}) = ${silentPollMs} ms)`,
      });
    }
  }
  const mqtt = config.mqtt;
  if (mqtt?.tls !== undefined && !/^(mqtts|wss):/.test(mqtt.url)) {
    const message = `tls is ignored: url '${mqtt.url}' is not mqtts:// or wss://`;
    warnings.push({ path: ["mqtt", "tls"], message });
  }
  if (mqtt?.passwordFile !== undefined && !/^(mqtts|wss):/.test(mqtt.url)) {
    warnings.push({
      path: ["mqtt", "passwordFile"],
      message: `the broker password is sent unencrypted: url '${mqtt.url}' is not mqtts:// or wss://`,
    });
  }
  return warnings;
}
