/**
 * Test support: the command handler as the uplink runs it, over the real executor, operations and engine
 * of an {@link openEngineRig} (a real SQLite file, a ManualClock). Requests are signed with the test key.
 * Lives under testing/ so the production build can leave it out.
 */
import type { CommandResponse } from "../../../uplink/commands/response.ts";
import { testCommandHandler } from "../../../uplink/testing/command-handler.ts";
import { signedRequest } from "../../../uplink/testing/fixtures.ts";
import { createExecutor, type ExecutorPorts } from "../../executor.ts";
import { openEngineRig, type EngineRig } from "./engine-rig.ts";

/** An engine rig that also takes commands. */
export interface CommandRig extends EngineRig {
  /** Signs `params` as a `command` request issued now and answers it (mutations answer synchronously). */
  send(command: string, params: Record<string, unknown>): CommandResponse;
}

/** Opens a command rig on a fresh database; close it with `closeEngineRigs`. */
export function openCommandRig(configText?: string): CommandRig {
  const rig = openEngineRig(configText);
  const { store, clock, ops } = rig;
  // The executor reads only these two ports for the mutations.
  const executor = createExecutor({ operations: ops, store } as unknown as ExecutorPorts);
  const handler = testCommandHandler({ store, executor, clock });
  const send = (command: string, params: Record<string, unknown>): CommandResponse => {
    const request = signedRequest(command, params, { nowMs: clock.now() });
    return handler.handle(command, Buffer.from(JSON.stringify(request))) as CommandResponse;
  };
  return { ...rig, send };
}
