/**
 * The bus link as the scheduler and its link supervisor see it. Its own module so the supervisor
 * does not import the scheduler that owns it (that was an import cycle).
 */

/** What the scheduler needs of a link: open it, close it, know whether it is open. */
export interface BusLink {
  readonly description: string;
  readonly isOpen: boolean;
  open(): Promise<void>;
  close(): Promise<void>;
}
