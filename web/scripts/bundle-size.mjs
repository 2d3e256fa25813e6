#!/usr/bin/env node
// First-load JS of the built dashboard page (Next 16 no longer prints it).
// Reads the prerendered `/` HTML from .next, collects every JS chunk it references
// (script tags and the chunk lists inside the inline RSC payload, minus the
// `noModule` polyfill that modern browsers skip), gzips each one and prints the sizes.
//   npm run build && npm run size            -> table + total; exit 1 above the budget
//   SIZE_BUDGET_KB=150 (default), --json     -> machine-readable output
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const nextDir = join(webDir, ".next");
const page = process.argv.find((a) => a.startsWith("--page="))?.slice(7) ?? "index";
const htmlPath = join(nextDir, "server", "app", `${page}.html`);
const budgetKb = Number(process.env.SIZE_BUDGET_KB ?? 150);

if (!existsSync(htmlPath)) {
  console.error(`${htmlPath} not found: run \`npm run build\` first.`);
  process.exit(2);
}
const html = readFileSync(htmlPath, "utf8");

const noModule = new Set();
for (const m of html.matchAll(/<script\b[^>]*>/g)) {
  const tag = m[0];
  const src = /\bsrc="([^"]+)"/.exec(tag)?.[1];
  if (src && /\bnoModule\b/i.test(tag)) noModule.add(src);
}
const chunks = new Set();
// `/_next/static/...js` in tags, and `static/chunks/...js` (possibly escaped) in the flight data.
for (const m of html.matchAll(/(?:\/_next\/)?static\/(?:chunks|[\w-]+)\/[\w\-./~]+?\.js/g)) {
  const path = m[0].startsWith("/_next/") ? m[0] : `/_next/${m[0]}`;
  if (!noModule.has(path)) chunks.add(path);
}

const rows = [];
for (const src of chunks) {
  const file = join(nextDir, src.replace(/^\/_next\//, ""));
  if (!existsSync(file)) continue;
  const buf = readFileSync(file);
  rows.push({ chunk: src, raw: buf.length, gzip: gzipSync(buf).length });
}
rows.sort((a, b) => b.gzip - a.gzip);
const total = rows.reduce((acc, r) => ({ raw: acc.raw + r.raw, gzip: acc.gzip + r.gzip }), { raw: 0, gzip: 0 });
const kb = (n) => (n / 1024).toFixed(1).padStart(7) + " KiB";
const over = total.gzip > budgetKb * 1024;

if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ page: `/${page === "index" ? "" : page}`, chunks: rows, total, budgetKb, over }, null, 2));
} else {
  console.log(`First-load JS for /${page === "index" ? "" : page} (${rows.length} chunks; gzip level 6, as next start serves it)`);
  for (const r of rows) console.log(`${kb(r.gzip)} gz ${kb(r.raw)} raw  ${r.chunk}`);
  console.log(`${kb(total.gzip)} gz ${kb(total.raw)} raw  TOTAL (budget ${budgetKb} KiB gz)`);
  if (noModule.size) console.log(`(not counted: ${noModule.size} noModule polyfill chunk(s), skipped by modern browsers)`);
}
if (rows.length === 0) {
  console.error("No JS chunks found: has the HTML format changed?");
  process.exit(2);
}
process.exit(over ? 1 : 0);
