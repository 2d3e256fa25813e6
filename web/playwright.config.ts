import { defineConfig } from "@playwright/test";

// The gateway (real Rust services) must already be running: `make test` starts it
// with `bash scripts/test-stack.sh up`. Playwright builds and starts the Next app.
const gatewayUrl = process.env.GATEWAY_URL ?? "http://127.0.0.1:18080";
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
// Rewrites are fixed at build time, so the app is rebuilt against this gateway
// unless E2E_SKIP_BUILD=1 says the current .next was already built for it.
const build = process.env.E2E_SKIP_BUILD === "1" ? "" : "npm run build && ";

export default defineConfig({
  testDir: "./e2e",
  outputDir: "./test-results/artifacts",
  reporter: process.env.CI ? [["list"], ["html", { open: "never" }]] : "list",
  fullyParallel: false,
  workers: process.env.CI ? 1 : 2,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  use: {
    baseURL,
    browserName: "chromium",
    headless: true,
    locale: "en-US",
    timezoneId: "UTC",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: `${build}npm run start -- -p ${port}`,
    url: `${baseURL}/login`,
    env: { GATEWAY_URL: gatewayUrl, NEXT_TELEMETRY_DISABLED: "1", PORT: String(port) },
    reuseExistingServer: false,
    timeout: 300_000,
    stdout: "ignore",
    stderr: "pipe",
  },
});
