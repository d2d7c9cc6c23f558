/**
 * The bus link as the scheduler and its link supervisor see it. Its own module so the supervisor
 * does not import the scheduler that owns it (that was an import cycle).
 */

/** What the scheduler needs of a link: open it, close it, know whether it is open. */
export interface BusLink {
  readonly description: string;
  readonly isOpen: boolean;
  /**
   * Replies dropped since the link was made because no request waited for them (late after their
   * timeout, or never asked); links that match replies by transaction id count them (Modbus TCP).
   */
  readonly unmatchedReplies?: number;
  /**
   * True when the link itself settles every request within the reply timeout it is given, with its
   * own timer (the MBAP client: mbap-transactions.ts, tested in mbap-client.test.ts). The bus then
   * adds no guard timer of its own per request; a link that relies on a library's callbacks
   * (modbus-serial, serial streams) is bounded by the bus as well.
   */
  readonly boundsRequests?: boolean;
  open(): Promise<void>;
  close(): Promise<void>;
}
