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

// Reached directly (no nginx in front), the app's pages still refuse framing and sniffing.
test("pages carry their own anti-framing headers", async ({ page }) => {
  for (const path of ["/", "/login", "/register"]) {
    const res = await page.request.get(path);
    const headers = res.headers();
    expect(headers["x-frame-options"], path).toBe("DENY");
    expect(headers["content-security-policy"], path).toBe("frame-ancestors 'none'");
    expect(headers["x-content-type-options"], path).toBe("nosniff");
    expect(headers["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
  }
});
