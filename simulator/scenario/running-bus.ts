/**
 * One served bus of a running scenario. Its own module so the control interface can describe
 * buses without importing the scenario runner that starts it (that was an import cycle).
 */
import type { SimBus } from "../core/sim-bus.ts";
import type { EndpointSpec } from "./endpoint-schema.ts";

/** A simulated bus and where the gateway reaches it. */
export interface RunningBus {
  readonly name: string;
  readonly bus: SimBus;
  readonly endpoint: EndpointSpec;
  /** Where the gateway connects: `host:port` or a device path. */
  readonly address: string;
  readonly port?: number;
  /** "Modbus TCP on 127.0.0.1:5020" */
  readonly description: string;
}
