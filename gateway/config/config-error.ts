/** How config problems are reported: as data, as a GatewayError and as `file:line:col path: message`. */
import { ErrorCode, GatewayError } from "../../core/errors.ts";

/** One config problem (an error or a warning). */
export interface ConfigIssue {
  /** Where in the config, e.g. `meters[2].unit`; empty for the file as a whole. */
  readonly path: string;
  /** 1-based line in the YAML source, when known. */
  readonly line?: number;
  /** 1-based column in the YAML source, when known. */
  readonly column?: number;
  /** A plain sentence naming the key and the value found, e.g. "unit must be between 1 and 247 (got 300)". */
  readonly message: string;
}

/** A config that failed validation: code {@link ErrorCode.ConfigInvalid}, holding every problem found. */
export class ConfigError extends GatewayError {
  constructor(
    /** Every problem found, in source order. */
    readonly errors: readonly ConfigIssue[],
    /** The file (or source name) the problems refer to. */
    readonly fileName: string,
  ) {
    const count = errors.length === 1 ? "1 error" : `${errors.length} errors`;
    super(ErrorCode.ConfigInvalid, `invalid config (${count}):\n${formatConfigErrors(errors, fileName)}`, {
      fileName,
      errors,
    });
  }
}

/**
 * One line per issue, in the `file:line:col` form editors and terminals link:
 * `config.yaml:14:9 meters[2].unit: unit must be between 1 and 247 (got 300)`.
 */
export function formatConfigErrors(issues: readonly ConfigIssue[], fileName: string): string {
  return issues
    .map((issue) => {
      const where = issue.line === undefined ? fileName : `${fileName}:${issue.line}:${issue.column ?? 1}`;
      return issue.path === "" ? `${where} ${issue.message}` : `${where} ${issue.path}: ${issue.message}`;
    })
    .join("\n");
}
