import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "core/**/*.test.ts",
      "gateway/**/*.test.ts",
      "protocols/**/*.test.ts",
      "simulator/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    globalSetup: ["test/setup/global.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests own ptys, ports and broker processes; 2 workers fit the 2-core machines.
    maxWorkers: 2,
    allowOnly: false,
  },
});
