/**
 * Our DL/T 645 link interface (STYLE.md principle 3): what the gateway's bus scheduler and the DL/T 645
 * driver talk to. One request at a time (the scheduler guarantees it); every failure is a GatewayError
 * with a distinct code, so a technician and the counters can tell the cases apart:
 * TIMEOUT (no reply), CRC_ERROR (bad checksum), WRONG_UNIT (another meter answered), SHORT_REPLY (a frame
 * cut short), BAD_REPLY (bytes that are no frame), METER_ERROR_REPLY (the meter answered with its error
 * byte; `context.errorByte` and `context.reasons` say why), and the link's own PORT_* / CONNECTION_*.
 */
import type { Dlt645Frame } from "../index.ts";
import type { Dlt645Endpoint, Dlt645LinkOptions } from "./endpoint.ts";

export interface Dlt645Link {
  /** Human-readable endpoint, e.g. `/dev/ttyUSB0 2400 8E1` or `dlt645 tcp 10.0.0.7:8899`. */
  readonly description: string;
  readonly isOpen: boolean;
  open(): Promise<void>;
  close(): Promise<void>;
  /**
   * Sends `frame` and resolves with the meter's normal reply: the first frame from the addressed meter
   * (any meter for the wildcard AAAAAAAAAAAA) answering the same function that `accept` also takes
   * (default: any). Frames `accept` refuses (a late reply to an earlier request) are skipped. An error
   * reply (D6 set) rejects with METER_ERROR_REPLY.
   * @param timeoutMs 1..30000: how long the reply may take after the request left the port
   */
  request(
    frame: Dlt645Frame,
    timeoutMs: number,
    accept?: (reply: Dlt645Frame) => boolean,
  ): Promise<Dlt645Frame>;
  /** Sends a frame no meter answers (0x08 broadcast time), and waits until it is on the wire. */
  broadcast(frame: Dlt645Frame, timeoutMs: number): Promise<void>;
}

/** Builds a link for an endpoint; injected so tests can substitute their own. */
export type Dlt645LinkFactory = (endpoint: Dlt645Endpoint, options?: Dlt645LinkOptions) => Dlt645Link;
