/** What a control route is, and the errors and validation routes share with the HTTP server. */
import type * as z from "zod";
import { formatIssues } from "../scenario/load.ts";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface RouteRequest {
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
}

export interface Route {
  method: "GET" | "POST" | "DELETE";
  /** Path with `:name` parameters, e.g. `/meters/:unit/faults/:kind`. */
  path: string;
  handle(request: RouteRequest): { status?: number; body: unknown };
}

/** Validates `data` with `schema`; a failure is a 400 naming each field (`body.delayMs: ...`). */
export function validate<S extends z.ZodType>(
  schema: S,
  data: unknown,
  where: "body" | "query" | "path",
): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const problems = formatIssues(result.error.issues.map((i) => ({ ...i, path: [where, ...i.path] })));
  throw new HttpError(400, `INVALID_${where.toUpperCase()}`, problems.join("; "));
}
