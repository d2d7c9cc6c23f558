/**
 * Signed commands and their responses (docs/mqtt.md section 6): publish the signed request QoS 1 to
 * `request/{command}`, then match the response on `response/{command}` by `transaction` (several senders
 * may share that topic). Every wait is bounded.
 */
import type { MqttClient } from "mqtt";
import type { Json } from "./jcs.ts";
import { signedRequest, type SigningIdentity } from "./signer.ts";

/** A response as section 6.4 describes it (after schema validation). */
export interface CommandResponse {
  readonly status: "ok" | "error";
  readonly transaction: string | null;
  readonly command: string;
  readonly result?: Record<string, unknown>;
  readonly code?: string;
  readonly message?: string;
  readonly details?: Record<string, unknown>;
  readonly replayed?: boolean;
}

export class CommandSender {
  private readonly waiting = new Map<string, (response: CommandResponse) => void>();

  constructor(
    private readonly client: MqttClient,
    private readonly topicBase: string,
    /** The key commands are signed with; replaced during a key rotation (6.2.1). */
    public identity: SigningIdentity,
    /** Problems of a request against its published schema (an empty list sends it). */
    private readonly checkRequest: (command: string, request: unknown) => string[],
  ) {}

  /** A (valid) response arrived: hands it to the command waiting for its transaction. */
  responded(response: CommandResponse): void {
    if (response.transaction === null) return;
    this.waiting.get(response.transaction)?.(response);
  }

  /**
   * Signs and sends `command`, resolves with its response; rejects after `timeoutMs` without one (the
   * caller may resend with the same `transaction`: it is never executed twice).
   */
  async send(
    command: string,
    params: Record<string, Json>,
    options: { timeoutMs: number; transaction?: string },
  ): Promise<CommandResponse> {
    const request = signedRequest(command, params, this.identity, {
      nowMs: Date.now(),
      ...(options.transaction === undefined ? {} : { transaction: options.transaction }),
    });
    const problems = this.checkRequest(command, request);
    if (problems.length > 0) throw new Error(`request does not match its schema: ${problems.join("; ")}`);
    const transaction = request["transaction"] as string;
    const answered = new Promise<CommandResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(transaction);
        reject(new Error(`no response to ${command} ${transaction} within ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      this.waiting.set(transaction, (response) => {
        clearTimeout(timer);
        this.waiting.delete(transaction);
        resolve(response);
      });
    });
    await this.client.publishAsync(`${this.topicBase}/request/${command}`, JSON.stringify(request), {
      qos: 1,
    });
    return answered;
  }
}
