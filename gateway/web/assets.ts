/**
 * The page's files, all shipped in the package (no CDN, no internet in a meter room): our own HTML,
 * script and style from gateway/web/assets/ (copied to dist/ by `npm run build`), and uPlot, the chart
 * library, from its npm package. Read once at start, served from memory with an ETag.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

export interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

const ownFiles: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "api.js": "text/javascript; charset=utf-8",
  "ui.js": "text/javascript; charset=utf-8",
  "pages.js": "text/javascript; charset=utf-8",
  "meter-page.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
  "icon.svg": "image/svg+xml",
};

const vendorFiles: Record<string, { module: string; type: string }> = {
  "uplot.js": { module: "uplot/dist/uPlot.iife.min.js", type: "text/javascript; charset=utf-8" },
  "uplot.css": { module: "uplot/dist/uPlot.min.css", type: "text/css; charset=utf-8" },
};

function asset(body: Buffer, type: string): Asset {
  return { body, type, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"` };
}

/** Every asset by its name under /assets/ (index.html is served at /). Throws when one is missing. */
export function loadAssets(): ReadonlyMap<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [name, type] of Object.entries(ownFiles)) {
    assets.set(name, asset(readFileSync(fileURLToPath(new URL(`./assets/${name}`, import.meta.url))), type));
  }
  const require = createRequire(import.meta.url);
  for (const [name, { module, type }] of Object.entries(vendorFiles)) {
    assets.set(name, asset(readFileSync(require.resolve(module)), type));
  }
  return assets;
}
