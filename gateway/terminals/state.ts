/**
 * What a terminal shows that is not derived from the account: the platform's message and the answer to
 * the latest keypad entry. Kept in the store's key-value table so a restart shows them again; written
 * inside the caller's unit of work (a command, a forwarded entry).
 */
import type { AnswerStatus } from "../../protocols/terminals/codec.ts";
import type { Store } from "../store/index.ts";
import type { PlatformMessage } from "./display-model.ts";

/** The answer block's content. */
export interface StoredAnswer {
  readonly status: AnswerStatus;
  readonly entryId: number;
  /** Balance shown with the answer, fen; 0 when none. */
  readonly balanceFen: number;
  readonly reason: string;
}

const messageKey = (terminalId: string) => `terminal.${terminalId}.message`;
const answerKey = (terminalId: string) => `terminal.${terminalId}.answer`;

export class TerminalState {
  constructor(private readonly store: Pick<Store, "kv">) {}

  message(terminalId: string): PlatformMessage | undefined {
    const value = this.store.kv.get(messageKey(terminalId)) as PlatformMessage | undefined;
    return value ?? undefined;
  }

  setMessage(terminalId: string, message: PlatformMessage): void {
    this.store.kv.set(messageKey(terminalId), message);
  }

  answer(terminalId: string): StoredAnswer | undefined {
    return (this.store.kv.get(answerKey(terminalId)) as StoredAnswer | undefined) ?? undefined;
  }

  setAnswer(terminalId: string, answer: StoredAnswer): void {
    this.store.kv.set(answerKey(terminalId), answer);
  }
}
