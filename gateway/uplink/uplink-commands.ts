/**
 * The uplink's command handler: the admission policy from the \`mqtt\` settings, the command keys read at
 * each request (so a SIGHUP's keys apply to the next one), and \`request/history\` answered by the
 * uplink's history service.
 */
import type { uplinkSettings } from "../config/mqtt.ts";
import type { CommandKey } from "./keys/key-ring.ts";
import { CommandHandler } from "./commands/handler.ts";
import type { HistoryService } from "./history.ts";
import type { GatewayTopics } from "./topics.ts";
import type { UplinkOptions } from "./uplink-options.ts";

/** Builds the handler of the commands that arrive over \`options\`' broker connection. */
export function uplinkCommandHandler(deps: {
  options: UplinkOptions;
  settings: ReturnType<typeof uplinkSettings>;
  topics: GatewayTopics;
  history: HistoryService;
  commandKeys: () => readonly CommandKey[];
}): CommandHandler {
  const { options, settings, topics, history, commandKeys } = deps;
  const { store, executor, clock, logger, gatewayId } = options;
  return new CommandHandler({
    ...{ store, executor: { ...executor, history: history.answer }, clock, logger },
    policy: {
      gatewayId,
      get commandKeys() {
        return commandKeys();
      },
      maxTtlMs: settings.commandMaxTtlSec * 1000,
      clockSkewMs: settings.commandClockSkewSec * 1000,
    },
    relayCommandsPerMinute: settings.relayCommandsPerMinute,
    allowsResponseTopic: (topic) => topics.allowsResponseTopic(topic),
    responseTopicFilter: topics.responseTopicFilter,
    ...(options.onPlatformMessage === undefined ? {} : { onPlatformMessage: options.onPlatformMessage }),
  });
}
