// One linter, type-aware: floating promises and non-exhaustive switches are errors.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * Imports that do I/O: forbidden in protocol codecs and decoders (STYLE.md principle 1). The same
 * rule, with the other layer rules, is enforced by dependency-cruiser (.dependency-cruiser.cjs);
 * this one gives the message in the editor.
 */
const ioModules = [
  ...["fs", "fs/promises", "net", "http", "https", "child_process"].flatMap((name) => [`node:${name}`, name]),
  ...["serialport", "mqtt", "better-sqlite3", "modbus-serial"],
];

/**
 * zod's index exports `z` as a re-exported namespace: `import { z } from "zod"` makes esbuild keep all of
 * zod (its 64 locales among it) in the bundle `meter-gateway run` loads, `import * as z` only what is
 * used: 1.0 MiB of heap (docs/bench.md, "Memory, third round").
 */
const zodNamespaceOnly = {
  selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
  message: 'import * as z from "zod": the named `z` keeps all of zod in the bundle (deploy/build.ts).',
};

export default tseslint.config(
  { ignores: ["dist/", ".bench-build/", "node_modules/", "test/bench/results/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": [
        "error",
        { considerDefaultExhaustiveForUnions: true },
      ],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true },
      ],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-restricted-syntax": ["error", zodNamespaceOnly],
    },
  },
  {
    files: ["protocols/**/*.ts"],
    // Tests may do I/O (temporary profile directories); the codecs they test may not.
    ignores: ["protocols/**/transport/**", "protocols/**/io/**", "**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: ioModules.map((name) => ({
            name,
            message:
              "protocols/ holds pure codecs and decoders; only protocols/*/transport/ and protocols/*/io/ may do I/O.",
          })),
        },
      ],
    },
  },
  {
    // The independent consumer (issue 15) is written from docs/mqtt.md and docs/schemas/ alone, as a
    // platform would be: none of our code, only mqtt, ajv, node:crypto and its own files
    // (test/consumer/independence.test.ts checks the allow-list).
    files: ["test/consumer/client/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["../*", "**/gateway/**", "**/protocols/**", "**/simulator/**", "**/core/**"],
              message: "the independent consumer imports only mqtt, ajv, node:crypto and its own files",
            },
          ],
        },
      ],
    },
  },
  {
    // STYLE.md "small files": a reader holds a file or a function in their head at once. Raw lines,
    // as `wc -l` counts them, so the rule and the review measure the same thing. Source only: tests
    // (and test helpers under testing/) are tables of cases and may run long.
    files: ["**/*.ts"],
    ignores: ["**/*.test.ts", "test/**", "**/testing/**"],
    rules: {
      "max-lines": ["error", { max: 300 }],
      "max-lines-per-function": ["error", { max: 60, IIFEs: true }],
    },
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // dependency-cruiser reads its config as CommonJS.
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { module: "writable" } },
  },
  {
    files: ["**/*.test.ts", "test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/unbound-method": "off",
    },
  },
);
