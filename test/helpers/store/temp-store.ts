/**
 * Test support: real SQLite files in throwaway directories. Lives under testing/ so the production build
 * can exclude it (it is imported only by tests).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach } from "vitest";
import { ManualClock } from "../../../core/clock.ts";
import type { AccountThresholds } from "../../../gateway/store/accounts.ts";
import type { Store, StoreOptions } from "../../../gateway/store/store.ts";
import { openStore } from "../../../gateway/store/store.ts";

/** Creates temp directories and stores, and removes them all in {@link TempStores.cleanup}. */
export class TempStores {
  private readonly dirs: string[] = [];
  private readonly stores: Store[] = [];

  /** A fresh empty directory under the OS temp dir. */
  dir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "meter-gateway-store-"));
    this.dirs.push(dir);
    return dir;
  }

  /** Opens a store (in a new directory unless one is given); it is closed by cleanup if still open. */
  open(options: Partial<StoreOptions> = {}): Store {
    const store = openStore({
      dataDir: options.dataDir ?? this.dir(),
      clock: options.clock ?? new ManualClock(),
      ...options,
    });
    this.stores.push(store);
    return store;
  }

  cleanup(): void {
    for (const store of this.stores.splice(0)) store.close();
    for (const dir of this.dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Registers vitest hooks that open a fresh store on a new ManualClock before each test of the file and
 * remove it after; `onOpen` receives them (and the TempStores, to open a second connection).
 */
export function freshStorePerTest(
  onOpen: (store: Store, clock: ManualClock, temp: TempStores) => void,
): void {
  const temp = new TempStores();
  beforeEach(() => {
    const clock = new ManualClock();
    onOpen(temp.open({ clock }), clock, temp);
  });
  afterEach(() => temp.cleanup());
}

/** Thresholds in the range seen on real platforms (DOMAIN.md section 2: warn at 50 CNY), in 1e-7 yuan. */
export const exampleThresholds: AccountThresholds = {
  alarm1E7: 50 * 1e7,
  alarm2E7: 30 * 1e7,
  overdraftLimitE7: 10 * 1e7,
  hoardingLimitE7: 5000 * 1e7,
  closeAllowedMinE7: 0,
};
