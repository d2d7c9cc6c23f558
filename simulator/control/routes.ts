/**
 * The control calls (documented in docs/simulator.md): read meters, the clock, the write log and the
 * event log; set load, inject and clear faults, flip relays, advance time and change speed.
 */
import { isPersistentKind, isFaultKind } from "../faults/fault-spec.ts";
import type { MeterRef, Simulation } from "../core/simulation.ts";
import type { RunningBus } from "../scenario/running-bus.ts";
import {
  advanceBody,
  faultBody,
  loadBody,
  logQuery,
  meterQuery,
  relayBody,
  speedBody,
  unitParam,
} from "./bodies.ts";
import { HttpError, validate, type Route, type RouteRequest } from "./route.ts";
import { busView, clockView, faultView, meterView } from "./views.ts";
import { dltRoutes } from "./dlt645-routes.ts";
import { terminalRoutes } from "./terminal-routes.ts";

type MeterOf = (request: RouteRequest) => MeterRef;

/** Every control route, in matching order. */
export function buildRoutes(simulation: Simulation, buses: () => readonly RunningBus[]): Route[] {
  const meterOf: MeterOf = (request) => {
    const unit = validate(unitParam, request.params["unit"], "path");
    const { bus } = validate(meterQuery, request.query, "query");
    return simulation.findMeter(unit, bus);
  };
  return [
    ...clockRoutes(simulation, buses),
    ...meterRoutes(simulation, meterOf),
    ...faultRoutes(simulation, meterOf),
    ...dltRoutes(simulation, meterOf),
    ...terminalRoutes(simulation),
    ...logRoutes(simulation),
  ];
}

/** The overview and the simulated clock: read it, advance it, change its speed. */
function clockRoutes(simulation: Simulation, buses: () => readonly RunningBus[]): Route[] {
  const clock = () => clockView(simulation.clock);
  return [
    {
      method: "GET",
      path: "/",
      handle: () => ({ body: { clock: clock(), seed: simulation.seed, buses: buses().map(busView) } }),
    },
    { method: "GET", path: "/clock", handle: () => ({ body: clock() }) },
    {
      method: "POST",
      path: "/clock/advance",
      handle: ({ body }) => {
        simulation.advance(validate(advanceBody, body, "body").by);
        return { body: clock() };
      },
    },
    {
      method: "POST",
      path: "/clock/speed",
      handle: ({ body }) => {
        simulation.setSpeed(validate(speedBody, body, "body").speed);
        return { body: clock() };
      },
    },
  ];
}

/** Meters: list, read one, set its load, flip its relay. */
function meterRoutes(simulation: Simulation, meterOf: MeterOf): Route[] {
  return [
    {
      method: "GET",
      path: "/meters",
      handle: ({ query }) => {
        const { bus } = validate(meterQuery, query, "query");
        const refs = simulation.meters().filter((ref) => bus === undefined || ref.bus.name === bus);
        return { body: { meters: refs.map(meterView) } };
      },
    },
    { method: "GET", path: "/meters/:unit", handle: (request) => ({ body: meterView(meterOf(request)) }) },
    {
      method: "POST",
      path: "/meters/:unit/load",
      handle: (request) => {
        const ref = meterOf(request);
        simulation.setLoad(ref, validate(loadBody, request.body, "body").load, "control");
        return { body: meterView(ref) };
      },
    },
    {
      method: "POST",
      path: "/meters/:unit/relay",
      handle: (request) => {
        const ref = meterOf(request);
        simulation.setRelay(ref, validate(relayBody, request.body, "body").state === "closed", "control");
        return { body: meterView(ref) };
      },
    },
  ];
}

/** Faults on one meter: inject, clear all, clear one persistent kind. */
function faultRoutes(simulation: Simulation, meterOf: MeterOf): Route[] {
  return [
    {
      method: "POST",
      path: "/meters/:unit/faults",
      handle: (request) => {
        const ref = meterOf(request);
        const fault = simulation.injectFault(ref, validate(faultBody, request.body, "body"), "control");
        return {
          status: fault === undefined ? 200 : 201,
          body: { fault: fault === undefined ? null : faultView(fault), meter: meterView(ref) },
        };
      },
    },
    {
      method: "DELETE",
      path: "/meters/:unit/faults",
      handle: (request) => ({
        body: { cleared: simulation.clearFaults(meterOf(request), undefined, "control") },
      }),
    },
    {
      method: "DELETE",
      path: "/meters/:unit/faults/:kind",
      handle: (request) => {
        const kind = request.params["kind"]!;
        if (!isFaultKind(kind)) throw new HttpError(404, "NOT_FOUND", `no fault kind '${kind}'`);
        if (!isPersistentKind(kind))
          throw new HttpError(400, "INVALID_REQUEST", `${kind} is a one-shot fault: nothing to clear`);
        return { body: { cleared: simulation.clearFaults(meterOf(request), kind, "control") } };
      },
    },
  ];
}

/** The write log of every bus and the event log, filtered by bus, unit and sequence. */
function logRoutes(simulation: Simulation): Route[] {
  return [
    {
      method: "GET",
      path: "/writes",
      handle: ({ query }) => {
        const { bus, unit, since } = validate(logQuery, query, "query");
        const writes = [...simulation.buses.values()]
          .filter((b) => bus === undefined || b.name === bus)
          .flatMap((b) => b.writeLog.filter((w) => w.seq > since).map((w) => ({ bus: b.name, ...w })))
          .filter((w) => unit === undefined || w.unit === unit)
          .sort((a, b) => a.seq - b.seq);
        return { body: { writes } };
      },
    },
    {
      method: "GET",
      path: "/events",
      handle: ({ query }) => {
        const { bus, unit, since } = validate(logQuery, query, "query");
        const events = simulation.events
          .since(since)
          .filter((e) => (bus === undefined || e.bus === bus) && (unit === undefined || e.unit === unit));
        return { body: { events } };
      },
    },
  ];
}
