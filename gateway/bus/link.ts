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
  open(): Promise<void>;
  close(): Promise<void>;
}
