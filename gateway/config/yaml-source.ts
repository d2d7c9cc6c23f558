/**
 * The YAML text of a config and the way back from a path (`meters[2].unit`) to a line and column in it.
 */
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
} from "yaml";
import type { ConfigPath } from "./messages.ts";

/** A 1-based position in the source text. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** A YAML problem (syntax error or warning) with its position. */
export interface YamlProblem extends SourcePosition {
  readonly message: string;
}

/** A parsed config file: its plain value and enough of the document to locate paths. */
export class YamlSource {
  private constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    /** The document as plain data; undefined when it has syntax errors. */
    readonly value: unknown,
    readonly errors: readonly YamlProblem[],
    readonly warnings: readonly YamlProblem[],
  ) {}

  static parse(text: string): YamlSource {
    const lines = new LineCounter();
    // uniqueKeys (the default) makes a repeated key an error rather than a silent override.
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const problem = (error: { message: string; pos: [number, number] }): YamlProblem => {
      const { line, col } = lines.linePos(error.pos[0]);
      return { line, column: col, message: error.message };
    };
    const errors = doc.errors.map(problem);
    const warnings = doc.warnings.map(problem);
    let value: unknown;
    if (errors.length === 0) {
      try {
        value = doc.toJS({ maxAliasCount: 1_000 });
      } catch (error) {
        // Alias bombs and unresolved aliases are only found when converting.
        errors.push({ line: 1, column: 1, message: error instanceof Error ? error.message : String(error) });
      }
    }
    return new YamlSource(doc, lines, value, errors, warnings);
  }

  /**
   * Where `path` is written: its value (or, with `at: "key"`, its key). For a path that is not in the
   * file, such as a missing required key, the deepest enclosing node that is.
   */
  locate(path: ConfigPath, at?: "key"): SourcePosition | undefined {
    let node: unknown = this.doc.contents;
    let position = this.start(node);
    for (const [index, segment] of path.entries()) {
      if (isAlias(node)) node = node.resolve(this.doc);
      const last = index === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
        );
        if (pair === undefined) return position;
        node = pair.value;
        // An empty value (`gateway:` alone) is a zero-width node after the colon; the key reads better.
        const pointAtKey = (last && at === "key") || isEmptyScalar(node);
        position = (pointAtKey ? this.start(pair.key) : this.start(node)) ?? this.start(pair.key) ?? position;
      } else if (isSeq(node) && typeof segment === "number") {
        node = node.items[segment];
        if (node === undefined) return position;
        position = this.start(node) ?? position;
      } else {
        return position;
      }
    }
    return position;
  }

  private start(node: unknown): SourcePosition | undefined {
    const range = (node as Partial<Node> | null | undefined)?.range;
    if (range === undefined || range === null) return undefined;
    const { line, col } = this.lines.linePos(range[0]);
    return { line, column: col };
  }
}

function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && node.range?.[0] === node.range?.[1];
}
