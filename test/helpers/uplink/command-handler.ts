/**
 * Test support: the command handler as the uplink builds it, admitting requests signed with the test
 * key for the test gateway (15 min TTL, 60 s clock skew, 30 relay commands a minute). Lives under
 * testing/ so the production build can leave it out.
 */
import { silentLogger } from "../../../core/logger.ts";
import { CommandHandler, type CommandHandlerOptions } from "../../../gateway/uplink/commands/handler.ts";
import { testGatewayId, testKey } from "./fixtures.ts";

/** A handler over `store`, `executor` and `clock`; any other option given replaces the test default. */
export function testCommandHandler(
  options: Pick<CommandHandlerOptions, "store" | "executor" | "clock"> & Partial<CommandHandlerOptions>,
): CommandHandler {
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
  });
}
