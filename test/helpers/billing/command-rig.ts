/**
 * Test support: the command handler as the uplink runs it, over the real executor, operations and engine
 * of an {@link openEngineRig} (a real SQLite file, a ManualClock). Requests are signed with the test key.
 * Lives under testing/ so the production build can leave it out.
 */
import type { CommandResponse } from "../../../gateway/uplink/commands/response.ts";
import { testCommandHandler } from "../uplink/command-handler.ts";
import { signedRequest } from "../uplink/fixtures.ts";
import { buildExecutor } from "../service-rigs/executor-rig.ts";
import { openEngineRig, rigParsedConfig, rigConfig, type EngineRig } from "./engine-rig.ts";

/** An engine rig that also takes commands. */
export interface CommandRig extends EngineRig {
  /** Signs `params` as a `command` request issued now and answers it (mutations answer synchronously). */
  send(command: string, params: Record<string, unknown>, options?: { transaction?: string }): CommandResponse;
}

/** Opens a command rig on a fresh database; close it with `closeEngineRigs`. */
export function openCommandRig(configText = rigConfig): CommandRig {
  const rig = openEngineRig(configText);
  const { store, clock, ops, engine } = rig;
  const meterRead = () => Promise.reject(new Error("no meters on the bus in a command rig"));
  const config = rigParsedConfig(configText);
  const executor = buildExecutor({ engine, operations: ops, store, clock, config, meterRead });
  const handler = testCommandHandler({ store, executor, clock });
  const send = (
    command: string,
    params: Record<string, unknown>,
    options: { transaction?: string } = {},
  ): CommandResponse => {
    const request = signedRequest(command, params, { nowMs: clock.now(), ...options });
    return handler.handle(command, Buffer.from(JSON.stringify(request))) as CommandResponse;
  };
  return { ...rig, send };
}
