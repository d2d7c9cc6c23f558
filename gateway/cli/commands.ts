/**
 * Every command of `meter-gateway` but the service's own loop. main.ts loads this module for any command
 * other than `run`, so the long-running service does not hold the technician's commands in memory.
 */
import type { Command } from "commander";
import { registerCheckConfig } from "./check-config.ts";
import { registerCommand } from "./command.ts";
import { registerDemo } from "./demo.ts";
import { registerDoctor } from "./doctor.ts";
import { registerPasswd } from "./passwd.ts";
import { registerRead } from "./read.ts";
import { registerRestore } from "./restore.ts";
import { registerRun } from "./run.ts";
import { registerScan } from "./scan.ts";
import { registerStatus } from "./status-command.ts";
import { registerTechnicianCommands } from "./technician.ts";
import { registerAccountCommands } from "./technician-account.ts";
import { registerTopup } from "./topup.ts";

/** Registers every command on `program`, in the order `--help` lists them. */
export function registerAllCommands(program: Command): void {
  registerCheckConfig(program);
  registerScan(program);
  registerRead(program);
  registerRun(program);
  registerDemo(program);
  registerStatus(program);
  registerDoctor(program);
  registerTopup(program);
  registerTechnicianCommands(program);
  registerAccountCommands(program);
  registerRestore(program);
  registerCommand(program);
  registerPasswd(program);
}
