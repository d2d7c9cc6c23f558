/**
 * Argument checks shared by every {@link Outbox} implementation, so the conformance suite can require
 * that they all reject the same calls in the same way.
 */
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import type { EnqueueResult, FetchOptions } from "./outbox.ts";
import { maxFetchLimit } from "./outbox.ts";

/** Validates an enqueue and returns the payload as JSON text. */
export function checkEnqueue(stream: string, key: string, payload: unknown): string {
  if (stream.length === 0 || key.length === 0) {
    throw new GatewayError(ErrorCode.Internal, "outbox stream and key must be non-empty", { stream, key });
  }
  const json = JSON.stringify(payload) as string | undefined;
  if (json === undefined) {
    throw new GatewayError(ErrorCode.Internal, "outbox payload is not JSON-serialisable", { stream, key });
  }
  return json;
}

/**
 * The answer to an enqueue whose key is queued already: the record that holds it, which must be on the
 * same stream (a key reused on another stream is a bug, not a replay).
 */
export function replayed(
  existing: { id: number; stream: string; seq: number },
  stream: string,
  key: string,
): EnqueueResult {
  if (existing.stream !== stream) {
    throw new GatewayError(ErrorCode.Internal, "outbox key reused on another stream", {
      key,
      stream,
      existingStream: existing.stream,
    });
  }
  return { id: existing.id, seq: existing.seq, duplicate: true };
}

/** Validates fetch options. */
export function checkFetch(options: FetchOptions): void {
  if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > maxFetchLimit) {
    throw new GatewayError(ErrorCode.Internal, `outbox fetch limit must be 1..${maxFetchLimit}`, {
      limit: options.limit,
    });
  }
}
