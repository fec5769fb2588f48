// Rebuilds the WebGL renderer the paperkg HTML map inlines, and its licence file:
//   cd tools/map-bundle && npm ci && npm run build
// Output: src/paperkg/export/static/sigma-bundle.min.js and sigma-bundle.LICENSE.txt
import { build } from "esbuild";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const out = new URL("../../src/paperkg/export/static/", import.meta.url);
const packages = ["sigma", "graphology", "graphology-utils", "events"];
const versions = packages.map((name) => {
  const meta = JSON.parse(readFileSync(`node_modules/${name}/package.json`, "utf8"));
  return `${name} ${meta.version}`;
});
await build({
  entryPoints: ["entry.js"],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2019",
  legalComments: "none",
  banner: { js: `/* ${versions.join(", ")} (MIT licences: sigma-bundle.LICENSE.txt) */` },
  outfile: new URL("sigma-bundle.min.js", out).pathname,
});
const licences = packages.map((name) => {
  const dir = `node_modules/${name}/`;
  const file = ["LICENSE.txt", "LICENSE"].find((f) => existsSync(dir + f));
  const text = readFileSync(dir + file, "utf8");
  return `==== ${versions[packages.indexOf(name)]} ====\n\n${text.trim()}\n`;
});
writeFileSync(new URL("sigma-bundle.LICENSE.txt", out), licences.join("\n"));
