/** Words the uplink logs and errors with, kept out of uplink.ts. */

/** The broker URL without any user:password part, for logs. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString();
  } catch {
    return "(unparsable url)";
  }
}

/** The error of a shutdown step that did not finish in time (shutdown must not hang on a dead socket). */
export function timedOut(ms: number): () => Error {
  return () => new Error(`timed out after ${ms} ms`);
}
