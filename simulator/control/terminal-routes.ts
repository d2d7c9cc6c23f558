/**
 * Control calls on terminals (docs/simulator.md, "Terminals"): what a terminal shows, typing on its
 * keypad, and its faults.
 */
import * as z from "zod";
import type { Simulation } from "../core/simulation.ts";
import { findTerminal, terminalsOf, terminalView } from "../terminals/terminals.ts";
import { meterQuery, unitParam } from "./bodies.ts";
import { HttpError, validate, type Route, type RouteRequest } from "./route.ts";

/** POST /terminals/:unit/keypad: a 20-digit token, or a purchase amount (fen) and reference. */
const keypadBody = z.union([
  z.strictObject({ token: z.string().regex(/^\d{20}$/, "20 digits") }),
  z.strictObject({
    amountFen: z.number().int().min(1).max(0xffffffff),
    reference: z.string().regex(/^[\x20-\x7e]{1,16}$/, "1..16 printable ASCII characters"),
  }),
]);

/** POST /terminals/:unit/fault */
const faultBody = z.strictObject({ fault: z.enum(["none", "no-reply", "busy"]) });

export function terminalRoutes(simulation: Simulation): Route[] {
  const terminalOf = (request: RouteRequest) => {
    const unit = validate(unitParam, request.params["unit"], "path");
    const { bus } = validate(meterQuery, request.query, "query");
    return findTerminal(simulation, unit, bus);
  };
  return [
    {
      method: "GET",
      path: "/terminals",
      handle: () => ({ body: { terminals: terminalsOf(simulation).map(terminalView) } }),
    },
    { method: "GET", path: "/terminals/:unit", handle: (r) => ({ body: terminalView(terminalOf(r)) }) },
    {
      method: "POST",
      path: "/terminals/:unit/keypad",
      handle: (request) => {
        const ref = terminalOf(request);
        const input = validate(keypadBody, request.body, "body");
        try {
          const entry = ref.terminal.enter(input);
          return { status: 201, body: { entry, terminal: terminalView(ref) } };
        } catch (error) {
          throw new HttpError(409, "QUEUE_FULL", String((error as Error).message));
        }
      },
    },
    {
      method: "POST",
      path: "/terminals/:unit/fault",
      handle: (request) => {
        const ref = terminalOf(request);
        ref.terminal.fault = validate(faultBody, request.body, "body").fault;
        return { body: terminalView(ref) };
      },
    },
  ];
}
