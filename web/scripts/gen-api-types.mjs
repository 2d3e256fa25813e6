#!/usr/bin/env node
// Generates lib/api-types.ts from the gateway's OpenAPI document with openapi-typescript.
//   node scripts/gen-api-types.mjs           -> (re)write lib/api-types.ts
//   node scripts/gen-api-types.mjs --check   -> generate into a temp file, exit 1 if it differs (drift check)
// Input: $OPENAPI_INPUT, else ../docs/openapi.json (the merged document committed at the repo root).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const input = resolve(webDir, process.env.OPENAPI_INPUT ?? "../docs/openapi.json");
const target = join(webDir, "lib", "api-types.ts");
const check = process.argv.includes("--check");

if (!existsSync(input)) {
  console.error(`OpenAPI document not found: ${input} (set OPENAPI_INPUT to override)`);
  process.exit(2);
}

const tmp = mkdtempSync(join(tmpdir(), "api-types-"));
const out = join(tmp, "api-types.ts");
try {
  const bin = join(webDir, "node_modules", "openapi-typescript", "bin", "cli.js");
  execFileSync(process.execPath, [bin, input, "-o", out, "--alphabetize"], { stdio: ["ignore", "ignore", "inherit"] });
  const generated = readFileSync(out, "utf8");
  if (check) {
    const committed = existsSync(target) ? readFileSync(target, "utf8") : "";
    if (committed !== generated) {
      console.error(`lib/api-types.ts is out of date with ${input}.\nRun \`npm run gen:api-types\` and commit the result.`);
      process.exit(1);
    }
    console.log(`lib/api-types.ts matches ${input}`);
  } else {
    writeFileSync(target, generated);
    console.log(`wrote lib/api-types.ts from ${input}`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
