import { expect, test } from "@playwright/test";
import { PASSWORD, alertOf, addTask, loginViaUi, registerViaApi, shotBoth, taskCard, uniqueEmail } from "./helpers";

test("an edit of a task changed in another browser gets a 412: reload it or overwrite", async ({ browser }) => {
  const email = uniqueEmail("conflict");
  const a = await (await browser.newContext()).newPage();
  const b = await (await browser.newContext()).newPage();
  await registerViaApi(a, email);
  await loginViaUi(a, email, PASSWORD);
  await addTask(a, "Shared task", { description: "First words" });
  await loginViaUi(b, email, PASSWORD);
  await expect(taskCard(b, "Shared task")).toBeVisible();

  // A starts editing; B saves a change meanwhile.
  await taskCard(a, "Shared task").getByRole("button", { name: /^Edit/ }).click();
  const formA = a.getByRole("form", { name: /Edit “Shared task”/ });
  await formA.getByLabel("Description").fill("A's words");
  await taskCard(b, "Shared task").getByRole("button", { name: /^Edit/ }).click();
  const formB = b.getByRole("form", { name: /Edit “Shared task”/ });
  await formB.getByLabel("Title").fill("Shared task (B)");
  await formB.getByRole("button", { name: "Save" }).click();
  await expect(taskCard(b, "Shared task (B)").getByText("Saving…")).toHaveCount(0);

  // A's save is refused with If-Match: its draft stays, and it is asked what to do.
  const put = a.waitForRequest((r) => r.method() === "PUT");
  await formA.getByRole("button", { name: "Save" }).click();
  expect((await put).headers()["if-match"]).toBe('"1"');
  const conflict = alertOf(a).filter({ hasText: "changed elsewhere" });
  await expect(conflict).toBeVisible();
  await expect(conflict.getByRole("button", { name: "Reload it (discard my changes)" })).toBeFocused();
  await expect(formA.getByLabel("Description")).toHaveValue("A's words");
  await shotBoth(a, "dashboard-conflict");

  // Overwrite: A's version wins, based on the version the 412 named.
  const overwrite = a.waitForRequest((r) => r.method() === "PUT");
  await conflict.getByRole("button", { name: "Overwrite with my changes" }).click();
  expect((await overwrite).headers()["if-match"]).toBe('"2"');
  await expect(taskCard(a, "Shared task").getByText("A's words")).toBeVisible();
  await b.reload();
  await expect(taskCard(b, "Shared task").getByText("A's words")).toBeVisible();

  // Once more the other way round, and this time A reloads: B's change is shown, A's draft dropped.
  await taskCard(b, "Shared task").getByRole("button", { name: /^Edit/ }).click();
  await b.getByRole("form", { name: /Edit “Shared task”/ }).getByLabel("Title").fill("Renamed by B");
  await b.getByRole("form", { name: /Edit “Shared task”/ }).getByRole("button", { name: "Save" }).click();
  await expect(taskCard(b, "Renamed by B").getByText("Saving…")).toHaveCount(0);
  await taskCard(a, "Shared task").getByRole("button", { name: /^Edit/ }).click();
  await formA.getByLabel("Title").fill("Renamed by A");
  await formA.getByRole("button", { name: "Save" }).click();
  await alertOf(a).getByRole("button", { name: "Reload it (discard my changes)" }).click();
  await expect(taskCard(a, "Renamed by B")).toBeVisible();
  await expect(taskCard(a, "Renamed by B").getByRole("button", { name: /^Edit/ })).toBeFocused();
  await expect(taskCard(a, "Renamed by A")).toHaveCount(0);

  // A delete based on an old version is refused too, and the task is shown as it is now.
  await b.reload();
  await taskCard(b, "Renamed by B").getByRole("group", { name: /Status of/ }).getByRole("button", { name: "Completed" }).click();
  await expect(taskCard(b, "Renamed by B").getByText("Saving…")).toHaveCount(0);
  await taskCard(a, "Renamed by B").getByRole("button", { name: /^Delete/ }).click();
  await taskCard(a, "Renamed by B").getByRole("button", { name: "Yes, delete" }).click();
  await expect(alertOf(a)).toContainText("was changed elsewhere, so it was not deleted");
  await expect(
    taskCard(a, "Renamed by B").getByRole("group", { name: /Status of/ }).getByRole("button", { name: "Completed" }),
  ).toHaveAttribute("aria-pressed", "true");
  await a.context().close();
  await b.context().close();
});

test("a create that lost its answer is retried with the same Idempotency-Key and made once", async ({ page }) => {
  const email = uniqueEmail("idem");
  await registerViaApi(page, email);
  await loginViaUi(page, email);
  const keys: string[] = [];
  let dropAnswer = true;
  await page.route(/\/api\/tasks$/, async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    keys.push(route.request().headers()["idempotency-key"] ?? "");
    const res = await route.fetch(); // the server makes the task...
    if (dropAnswer) {
      dropAnswer = false; // ...but the answer is lost on the way back
      return route.fulfill({ status: 502, contentType: "application/json", body: JSON.stringify({ detail: "Bad gateway" }) });
    }
    return route.fulfill({ response: res });
  });
  await page.getByLabel("Title", { exact: true }).fill("Exactly once");
  await page.getByRole("button", { name: "Add task" }).click();
  await expect(taskCard(page, "Exactly once")).toBeVisible();
  expect(keys).toHaveLength(2);
  expect(keys[0]).toMatch(/^[0-9a-f-]{32,36}$/);
  expect(keys[1]).toBe(keys[0]);
  await page.reload();
  await expect(taskCard(page, "Exactly once")).toHaveCount(1);
  await expect(page.getByRole("listitem")).toHaveCount(1);

  // The next task gets a key of its own.
  await page.getByLabel("Title", { exact: true }).fill("Another one");
  await page.getByRole("button", { name: "Add task" }).click();
  await expect(taskCard(page, "Another one")).toBeVisible();
  expect(keys).toHaveLength(3);
  expect(keys[2]).not.toBe(keys[0]);
});
