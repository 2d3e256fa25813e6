#!/usr/bin/env node
// First-load JS of every page of the built app (Next 16 no longer prints it). Pages are rendered
// per request (each gets its own CSP nonce, proxy.ts), so there is no prerendered HTML to read:
// this starts `next start` on a free port (or uses --url=...), fetches each page as a browser
// would, collects every JS chunk the HTML references (script tags and the chunk lists of the
// inline RSC payload, minus the `noModule` polyfill that modern browsers skip), gzips each file
// from .next and prints the sizes. Fails when any page is above the budget.
//   npm run build && npm run size            -> a table per page; exit 1 above the budget
//   SIZE_BUDGET_KB=150 (default), --json     -> machine-readable output
//   --url=http://127.0.0.1:3000              -> measure a running server instead
//   --page=/trash                            -> one page only (repeatable)
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const nextDir = join(webDir, ".next");
const budgetKb = Number(process.env.SIZE_BUDGET_KB ?? 150);
const args = process.argv.slice(2);
const asked = args.filter((a) => a.startsWith("--page=")).map((a) => a.slice(7));
const PAGES = asked.length ? asked : ["/login", "/register", "/", "/trash", "/account"];
const given = args.find((a) => a.startsWith("--url="))?.slice(6);
const json = args.includes("--json");

if (!existsSync(join(nextDir, "BUILD_ID"))) {
  console.error(`${nextDir} has no build: run \`npm run build\` first.`);
  process.exit(2);
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function waitFor(url, child, seconds) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`next start exited (${child.exitCode})`);
    try {
      const res = await fetch(url, { redirect: "manual" });
      if (res.status < 500) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function chunksOf(html) {
  const noModule = new Set();
  for (const m of html.matchAll(/<script\b[^>]*>/g)) {
    const tag = m[0];
    const src = /\bsrc="([^"]+)"/.exec(tag)?.[1];
    if (src && /\bnoModule\b/i.test(tag)) noModule.add(src.replace(/\?.*$/, ""));
  }
  const chunks = new Set();
  // `/_next/static/...js` in tags, and `static/chunks/...js` (possibly escaped) in the flight data.
  for (const m of html.matchAll(/(?:\/_next\/)?static\/(?:chunks|[\w-]+)\/[\w\-./~]+?\.js/g)) {
    const path = m[0].startsWith("/_next/") ? m[0] : `/_next/${m[0]}`;
    if (!noModule.has(path)) chunks.add(path);
  }
  return { chunks, noModule: noModule.size };
}

function measure(chunks) {
  const rows = [];
  for (const src of chunks) {
    const file = join(nextDir, src.replace(/^\/_next\//, ""));
    if (!existsSync(file)) continue;
    const buf = readFileSync(file);
    rows.push({ chunk: src, raw: buf.length, gzip: gzipSync(buf).length });
  }
  rows.sort((a, b) => b.gzip - a.gzip);
  const total = rows.reduce((acc, r) => ({ raw: acc.raw + r.raw, gzip: acc.gzip + r.gzip }), { raw: 0, gzip: 0 });
  return { rows, total };
}

let child;
let base = given?.replace(/\/+$/, "");
const stop = () => {
  if (child && child.exitCode === null) child.kill("SIGTERM");
};
process.on("exit", stop);

try {
  if (!base) {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [join(webDir, "node_modules/next/dist/bin/next"), "start", "-H", "127.0.0.1", "-p", String(port)], {
      cwd: webDir,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", PORT: String(port) },
      stdio: ["ignore", "ignore", "inherit"],
    });
    await waitFor(`${base}/login`, child, 60);
  }

  const kb = (n) => (n / 1024).toFixed(1).padStart(7) + " KiB";
  const report = [];
  let failed = false;
  for (const page of PAGES) {
    const res = await fetch(`${base}${page}`, { redirect: "manual", headers: { Accept: "text/html" } });
    if (res.status !== 200) throw new Error(`${page} answered ${res.status}`);
    const { chunks, noModule } = chunksOf(await res.text());
    const { rows, total } = measure(chunks);
    if (rows.length === 0) throw new Error(`${page}: no JS chunks found; has the HTML format changed?`);
    const over = total.gzip > budgetKb * 1024;
    failed ||= over;
    report.push({ page, chunks: rows, total, over });
    if (!json) {
      console.log(`First-load JS for ${page} (${rows.length} chunks; gzip level 6, as next start serves it)`);
      for (const r of rows) console.log(`${kb(r.gzip)} gz ${kb(r.raw)} raw  ${r.chunk}`);
      console.log(`${kb(total.gzip)} gz ${kb(total.raw)} raw  TOTAL${over ? "  OVER" : ""} (budget ${budgetKb} KiB gz)`);
      if (noModule) console.log(`(not counted: ${noModule} noModule polyfill chunk(s), skipped by modern browsers)`);
      console.log("");
    }
  }
  if (json) console.log(JSON.stringify({ budgetKb, pages: report, over: failed }, null, 2));
  else {
    console.log("Summary (gzip):");
    for (const r of report) console.log(`${kb(r.total.gzip)}  ${r.page}${r.over ? "  OVER THE BUDGET" : ""}`);
  }
  stop();
  process.exit(failed ? 1 : 0);
} catch (e) {
  console.error(`size: ${e instanceof Error ? e.message : e}`);
  stop();
  process.exit(2);
}
