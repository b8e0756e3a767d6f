// Bundles src/ and socket.io-client into one self-contained file: dist/backpain-widget.js.
// Usage: npm run build  (npm ci first). Nothing is loaded from the internet at run time.
import { build } from "esbuild";

const result = await build({
  entryPoints: ["src/index.js"],
  outfile: "dist/backpain-widget.js",
  bundle: true,
  minify: true,
  format: "iife",
  platform: "browser",
  target: ["es2020", "chrome90", "edge90", "firefox90", "safari15"],
  legalComments: "eof",
  metafile: true,
  logLevel: "warning",
});
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`dist/backpain-widget.js: ${(bytes / 1024).toFixed(1)} KiB`);
