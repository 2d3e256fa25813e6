import { expect, test } from "@playwright/test";
import { PASSWORD, registerViaApi, uniqueEmail } from "./helpers";

// The browser reaches the gateway only through Next's /api rewrite. These checks pin down
// that every kind of answer (JSON, error JSON, an empty 204) survives that proxy intact.
test("the /api proxy passes JSON, error bodies and empty 204 answers through unchanged", async ({ page }) => {
  const email = uniqueEmail("proxy");
  await registerViaApi(page, email);
  const login = await page.request.post("/api/auth/login", { data: { email, password: PASSWORD } });
  expect(login.status()).toBe(200);
  const { access_token: token, token_type, expires_in } = await login.json();
  expect(token_type).toBe("Bearer");
  expect(expires_in).toBeGreaterThan(0);
  const headers = { Authorization: `Bearer ${token}` };

  const unauthorized = await page.request.get("/api/tasks");
  expect(unauthorized.status()).toBe(401);
  expect(await unauthorized.json()).toMatchObject({ detail: "Unauthorized" });

  const invalid = await page.request.post("/api/tasks", { headers, data: { title: "" } });
  expect(invalid.status()).toBe(422);
  const body = await invalid.json();
  expect(body.validation_errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: "title" })]));

  const created = await page.request.post("/api/tasks", { headers, data: { title: "via proxy" } });
  expect(created.status()).toBe(201);
  const task = await created.json();

  // An empty 204 must not carry a body (e.g. a stray chunked terminator), or Node's
  // HTTP parser in the Next proxy rejects it and the browser sees a 500.
  const deleted = await page.request.delete(`/api/tasks/${task.id}`, { headers });
  expect(deleted.status(), "DELETE through the Next proxy").toBe(204);
  expect((await page.request.get(`/api/tasks/${task.id}`, { headers })).status()).toBe(404);
});

// Reached directly (no nginx in front), the app's pages still refuse framing and sniffing, and
// their Content-Security-Policy (proxy.ts) allows only scripts carrying this answer's nonce.
test("pages carry their own anti-framing headers and a nonce CSP", async ({ page }) => {
  const nonces = new Set<string>();
  for (const path of ["/", "/login", "/register", "/trash", "/account", "/no-such-page"]) {
    const res = await page.request.get(path);
    const headers = res.headers();
    expect(headers["x-frame-options"], path).toBe("DENY");
    expect(headers["x-content-type-options"], path).toBe("nosniff");
    expect(headers["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
    const csp = headers["content-security-policy"] ?? "";
    expect(csp, path).toContain("frame-ancestors 'none'");
    expect(csp, path).toContain("object-src 'none'");
    const script = /(?:^|;\s*)script-src ([^;]*)/.exec(csp)?.[1] ?? "";
    expect(script, path).toMatch(/^'self' 'nonce-[A-Za-z0-9+/=]{16,}' 'strict-dynamic'$/);
    expect(script, path).not.toContain("unsafe-inline");
    expect(script, path).not.toContain("unsafe-eval");
    const nonce = /'nonce-([^']+)'/.exec(script)![1]!;
    nonces.add(nonce);
    // Every script of the page carries this answer's nonce.
    const html = await res.text();
    const tags = html.match(/<script\b[^>]*>/g) ?? [];
    expect(tags.length, path).toBeGreaterThan(0);
    for (const tag of tags) expect(tag, path).toContain(`nonce="${nonce}"`);
  }
  expect(nonces.size, "a fresh nonce for every answer").toBe(6);
});

test("the pages run under their CSP without a violation", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.goto("/login");
  await page.getByLabel("Email").fill("someone@example.com");
  await expect(page.getByRole("button", { name: "Show password" })).toBeVisible();
  // Hydrated: React's handler answers (the password field shows its text).
  await page.getByRole("button", { name: "Show password" }).click();
  await expect(page.getByLabel("Password", { exact: true })).toHaveAttribute("type", "text");
  await page.goto("/register");
  await expect(page.getByRole("heading", { name: "Create your account" })).toBeVisible();
  expect(violations).toEqual([]);
});

test("an inline script without the page's nonce does not run", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  // As an HTML injection would: a <script> in the page's own HTML, under its real CSP header.
  await page.route("**/login", async (route) => {
    const res = await route.fetch();
    const html = (await res.text()).replace("<body>", "<body><script>window.__injected = true</script>");
    await route.fulfill({ response: res, body: html });
  });
  await page.goto("/login");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
  await expect.poll(() => violations.length).toBeGreaterThan(0);
  // The page's own (nonced) scripts still ran: the form is hydrated.
  await page.getByRole("button", { name: "Show password" }).click();
  await expect(page.getByLabel("Password", { exact: true })).toHaveAttribute("type", "text");
});
