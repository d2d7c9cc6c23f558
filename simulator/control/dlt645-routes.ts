/**
 * Control calls for DL/T 645 meters: the customer's button (needed to close after an allow-close 1B)
 * and event counters that have no fault of their own (power downs, magnetic interference).
 */
import * as z from "zod";
import { DltSimMeter } from "../dlt645/dlt-meter.ts";
import type { MeterRef, Simulation } from "../core/simulation.ts";
import { HttpError, validate, type Route, type RouteRequest } from "./route.ts";
import { meterView } from "./views.ts";

const count = z.number().int().min(0).max(1_000_000).optional();

/** POST /meters/:unit/counters: how much to add to each counter. */
export const countersBody = z.strictObject({
  coverOpen: count,
  terminalCoverOpen: count,
  magnetic: count,
  powerDown: count,
});

function dltMeter(ref: MeterRef): DltSimMeter {
  if (!(ref.meter instanceof DltSimMeter)) {
    throw new HttpError(
      400,
      "INVALID_REQUEST",
      `unit ${ref.meter.unit} on bus '${ref.bus.name}' is not a DL/T 645 meter`,
    );
  }
  return ref.meter;
}

export function dltRoutes(simulation: Simulation, meterOf: (request: RouteRequest) => MeterRef): Route[] {
  return [
    {
      method: "POST",
      path: "/meters/:unit/button",
      handle: (request) => {
        const ref = meterOf(request);
        dltMeter(ref);
        const closed = simulation.pressButton(ref, "control");
        return { body: { closed, meter: meterView(ref) } };
      },
    },
    {
      method: "POST",
      path: "/meters/:unit/counters",
      handle: (request) => {
        const ref = meterOf(request);
        const meter = dltMeter(ref);
        const body = validate(countersBody, request.body, "body");
        for (const key of ["coverOpen", "terminalCoverOpen", "magnetic", "powerDown"] as const) {
          meter.counters[key] += body[key] ?? 0;
        }
        return { body: meterView(ref) };
      },
    },
  ];
}
