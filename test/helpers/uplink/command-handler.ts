/**
 * Test support: the command handler as the uplink builds it, admitting requests signed with the test
 * key for the test gateway (15 min TTL, 60 s clock skew, 30 relay commands a minute). Lives under
 * testing/ so the production build can leave it out.
 */
import { silentLogger } from "../../../core/logger.ts";
import { CommandHandler, type CommandHandlerOptions } from "../../../gateway/uplink/commands/handler.ts";
import type { CommandExecutor, UplinkExecutor } from "../../../gateway/uplink/commands/executor.ts";
import { testGatewayId, testKey } from "./fixtures.ts";

/**
 * A handler over `store`, `executor` and `clock`; any other option given replaces the test default. An
 * executor without `history` gets one that fails (history is the uplink's; test/uplink/history.test.ts).
 */
export function testCommandHandler(
  options: Pick<CommandHandlerOptions, "store" | "clock"> & {
    executor: CommandExecutor & Partial<Pick<UplinkExecutor, "history">>;
  } & Partial<Omit<CommandHandlerOptions, "executor">>,
): CommandHandler {
  const noHistory = () => {
    throw new Error("history is answered by the uplink");
  };
  return new CommandHandler({
    logger: silentLogger(),
    policy: {
      gatewayId: testGatewayId,
      commandKeys: [{ id: "default", key: testKey }],
      maxTtlMs: 900_000,
      clockSkewMs: 60_000,
    },
    relayCommandsPerMinute: 30,
    ...options,
    executor: { history: noHistory, ...options.executor },
  });
}
