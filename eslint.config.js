// One linter, type-aware: floating promises and non-exhaustive switches are errors.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Imports that do I/O: forbidden in protocol codecs and decoders (STYLE.md principle 1). */
const ioModules = ["node:net", "net", "serialport", "mqtt", "better-sqlite3", "modbus-serial"];

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
    },
  },
  {
    files: ["protocols/**/*.ts"],
    ignores: ["protocols/**/transport/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: ioModules.map((name) => ({
            name,
            message: "protocols/ holds pure codecs and decoders; only protocols/*/transport/ may do I/O.",
          })),
        },
      ],
    },
  },
  {
    files: ["**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ["**/*.test.ts", "test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/unbound-method": "off",
    },
  },
);
