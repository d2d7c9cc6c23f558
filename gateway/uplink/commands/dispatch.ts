/** Calls the executor method of an admitted command with its own fields (the common ones stripped). */
import type { Admitted } from "./admission.ts";
import type { CommandName, CommandRequest } from "./catalog.ts";
import { paramsOf } from "./catalog.ts";
import type { CommandContext, UplinkExecutor } from "./executor.ts";

/** The executor's outcome, a promise only for queries that chose to be asynchronous. */
export function dispatchCommand(executor: UplinkExecutor, admitted: Admitted, context: CommandContext) {
  const { command } = admitted;
  const params = <C extends CommandName>(_name: C) => paramsOf(admitted.request as CommandRequest<C>);
  switch (command) {
    case "topup":
      return executor.topup(params("topup"), context);
    case "relay":
      return executor.relay(params("relay"), context);
    case "relay.forward":
      return executor.relayForward(params("relay.forward"), context);
    case "protect":
      return executor.protect(params("protect"), context);
    case "account.set":
      return executor.accountSet(params("account.set"), context);
    case "tariff.set":
      return executor.tariffSet(params("tariff.set"), context);
    case "anomaly.resolve":
      return executor.anomalyResolve(params("anomaly.resolve"), context);
    case "meter.replace.confirm":
      return executor.meterReplaceConfirm(params("meter.replace.confirm"), context);
    case "meter.read":
      return executor.meterRead(params("meter.read"), context);
    case "time.check":
      return executor.timeCheck(params("time.check"), context);
    case "config.get":
      return executor.configGet(params("config.get"), context);
    case "close-not-allowed":
      return executor.closeNotAllowed(params("close-not-allowed"), context);
    case "history":
      return executor.history(params("history"), context);
    case "terminal.message":
      return executor.terminalMessage(params("terminal.message"), context);
    case "terminal.answer":
      return executor.terminalAnswer(params("terminal.answer"), context);
    case "account.open":
      return executor.accountOpen(params("account.open"), context);
    case "account.close":
      return executor.accountClose(params("account.close"), context);
    case "account.get":
      return executor.accountGet(params("account.get"), context);
    case "adjustment":
      return executor.adjustment(params("adjustment"), context);
    case "refund":
      return executor.refund(params("refund"), context);
  }
}
