import { expect, test } from "@playwright/test";
import { createTasksViaApi, listedTitles, loginViaUi, registerViaApi, shotBoth, taskCard, uniqueEmail } from "./helpers";
import { WIDTHS, signedIn } from "./ui-helpers";

test("search, filters and sort are kept in the URL and survive a reload and the back button", async ({ page }) => {
  const email = uniqueEmail("list");
  await registerViaApi(page, email);
  await loginViaUi(page, email);
  const yesterday = new Date(Date.now() - 24 * 3600_000).toISOString();
  const nextMonth = new Date(Date.now() + 30 * 24 * 3600_000).toISOString();
  await createTasksViaApi(page, [
    { title: "Alpha report", priority: "high", due_at: nextMonth },
    { title: "Beta shopping", priority: "low", status: "completed" },
    { title: "Gamma report draft", priority: "urgent", status: "in_progress" },
    { title: "Delta overdue call", due_at: yesterday },
  ]);
  await page.reload();
  await expect(page.getByRole("listitem")).toHaveCount(4);
  // Newest first by default.
  expect(await listedTitles(page)).toEqual(["Delta overdue call", "Gamma report draft", "Beta shopping", "Alpha report"]);

  // Search (debounced): one request for the whole word, reflected in the URL.
  const search = page.getByRole("searchbox", { name: "Search tasks" });
  await search.pressSequentially("REPORT", { delay: 30 });
  await expect(page).toHaveURL(/\?q=REPORT$/);
  await expect(page.getByRole("listitem")).toHaveCount(2);
  await expect(taskCard(page, "Alpha report")).toBeVisible();
  await expect(taskCard(page, "Gamma report draft")).toBeVisible();

  // Status and priority filters.
  const filters = page.getByRole("group", { name: "Filter tasks by status" });
  await filters.getByRole("button", { name: "In progress" }).click();
  await expect(page).toHaveURL(/\?q=REPORT&status=in_progress$/);
  await expect(page.getByRole("listitem")).toHaveCount(1);
  await page.getByLabel("Filter by priority").selectOption("high");
  await expect(page).toHaveURL(/\?q=REPORT&status=in_progress&priority=high$/);
  await expect(page.getByText("No tasks match your search and filters.")).toBeVisible();
  await page.getByLabel("Filter by priority").selectOption("urgent");
  await expect(page).toHaveURL(/priority=urgent$/);
  await expect(page.getByRole("listitem")).toHaveCount(1);
  await shotBoth(page, "dashboard-search-filters");

  // A reload shows the same list and the same controls.
  await page.reload();
  await expect(page.getByRole("searchbox", { name: "Search tasks" })).toHaveValue("REPORT");
  await expect(filters.getByRole("button", { name: "In progress" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByLabel("Filter by priority")).toHaveValue("urgent");
  await expect(page.getByRole("listitem")).toHaveCount(1);
  await expect(taskCard(page, "Gamma report draft")).toBeVisible();

  // Back steps through the earlier lists.
  await page.goBack();
  await expect(page).toHaveURL(/\?q=REPORT&status=in_progress&priority=high$/);
  await expect(page.getByLabel("Filter by priority")).toHaveValue("high");
  await page.goBack();
  await page.goBack();
  await expect(page).toHaveURL(/\?q=REPORT$/);
  await expect(filters.getByRole("button", { name: "All" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByRole("listitem")).toHaveCount(2);
  await page.goBack();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("searchbox", { name: "Search tasks" })).toHaveValue("");
  await expect(page.getByRole("listitem")).toHaveCount(4);

  // Sort, and the overdue filter; a shared link opens the same list in a fresh page.
  await page.getByLabel("Sort by").selectOption("title");
  await expect(page).toHaveURL(/\?sort=title$/);
  await expect.poll(() => listedTitles(page)).toEqual(["Alpha report", "Beta shopping", "Delta overdue call", "Gamma report draft"]);
  await page.getByLabel("Filter by due date").selectOption("true");
  await expect(page).toHaveURL(/\?overdue=true&sort=title$/);
  await expect.poll(() => listedTitles(page)).toEqual(["Delta overdue call"]);
  await page.getByLabel("Filter by due date").selectOption("false");
  await expect.poll(() => listedTitles(page)).toEqual(["Alpha report", "Beta shopping", "Gamma report draft"]);
  const shared = await page.context().newPage();
  await shared.goto("/?sort=-priority&status=pending");
  await expect.poll(() => listedTitles(shared)).toEqual(["Alpha report", "Delta overdue call"]);
  await expect(shared.getByLabel("Sort by")).toHaveValue("-priority");
  await shared.close();

  // "/" focuses the search box.
  await page.getByRole("heading", { name: "Tasks", exact: true }).click();
  await page.keyboard.press("/");
  await expect(page.getByRole("searchbox", { name: "Search tasks" })).toBeFocused();
});

test("the list comes in pages of 50 with Load more", async ({ page }) => {
  const email = uniqueEmail("paging");
  await registerViaApi(page, email);
  await loginViaUi(page, email);
  await createTasksViaApi(
    page,
    Array.from({ length: 61 }, (_, i) => ({ title: `Paged task ${String(i + 1).padStart(2, "0")}` })),
  );
  const asked: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "GET" && /\/api\/tasks\?/.test(r.url())) asked.push(new URL(r.url()).search);
  });
  const t0 = Date.now();
  await page.reload();
  await expect(page.getByRole("listitem")).toHaveCount(50);
  console.log(`first page of 61 tasks shown ${Date.now() - t0} ms after reload`);
  expect(asked[0]).toContain("limit=50");
  await expect(taskCard(page, "Paged task 61")).toBeVisible();
  await expect(taskCard(page, "Paged task 11")).toHaveCount(0);
  await expect(page.getByText("50 tasks shown, more below")).toBeVisible();
  await page.getByRole("button", { name: "Load more tasks" }).click();
  await expect(page.getByRole("listitem")).toHaveCount(61);
  await expect(page.getByRole("button", { name: "Load more tasks" })).toHaveCount(0);
  await expect(taskCard(page, "Paged task 01")).toBeVisible();
  expect(asked[1]).toContain("cursor=");
  // Nothing repeated, nothing skipped.
  const titles = await listedTitles(page);
  expect(new Set(titles).size).toBe(61);
});

for (const width of WIDTHS) {
  test(`the due range filters by day, is kept in the URL and survives a reload and the back button (${width}px)`, async ({ page }) => {
    const account = await signedIn(page, "due-range", width);
    // The browser runs in UTC (playwright.config.ts): local days are UTC days.
    for (const [title, due] of [
      ["Due Dec 1", "2030-12-01T09:00:00Z"],
      ["Due Dec 2 late", "2030-12-02T23:30:00Z"],
      ["Due Dec 3", "2030-12-03T00:00:00Z"],
      ["Due Dec 9", "2030-12-09T12:00:00Z"],
    ] as const)
      await account.create({ title, due_at: due });
    await account.create({ title: "No due date" });
    await page.reload();
    await expect(page.locator(".task-list .task")).toHaveCount(5);
    if (width < 640) await page.getByRole("button", { name: "Filters and sort" }).click();

    const asked: string[] = [];
    page.on("request", (r) => r.method() === "GET" && /\/api\/tasks\?/.test(r.url()) && asked.push(new URL(r.url()).search));
    await page.getByLabel("Due from").fill("2030-12-02");
    await expect(page).toHaveURL(/\?due_after=2030-12-02$/);
    await expect.poll(() => listedTitles(page)).toEqual(["Due Dec 9", "Due Dec 3", "Due Dec 2 late"]);
    await page.getByLabel("Due before").fill("2030-12-03");
    await expect(page).toHaveURL(/\?due_after=2030-12-02&due_before=2030-12-03$/);
    await expect.poll(() => listedTitles(page)).toEqual(["Due Dec 2 late"]);
    // The API gets instants: the start of each local day (due_before is exclusive).
    const last = new URLSearchParams(asked.at(-1));
    expect(last.get("due_after")).toBe("2030-12-02T00:00:00.000Z");
    expect(last.get("due_before")).toBe("2030-12-03T00:00:00.000Z");
    if (width < 640) await expect(page.getByRole("button", { name: /Filters and sort|Hide filters/ })).toContainText("2");
    await shotBoth(page, `dashboard-due-range-${width}`);

    // Reload and a shared link show the same; back steps through.
    await page.reload();
    if (width < 640) await page.getByRole("button", { name: /Filters and sort/ }).click();
    await expect(page.getByLabel("Due from")).toHaveValue("2030-12-02");
    await expect(page.getByLabel("Due before")).toHaveValue("2030-12-03");
    await expect.poll(() => listedTitles(page)).toEqual(["Due Dec 2 late"]);
    await page.goBack();
    await expect(page).toHaveURL(/\?due_after=2030-12-02$/);
    await expect(page.getByLabel("Due before")).toHaveValue("");
    await expect.poll(() => listedTitles(page)).toEqual(["Due Dec 9", "Due Dec 3", "Due Dec 2 late"]);
    const shared = await page.context().newPage();
    await shared.setViewportSize({ width, height: 800 });
    await shared.goto("/?due_before=2030-12-03&sort=due_at");
    await expect.poll(() => listedTitles(shared)).toEqual(["Due Dec 1", "Due Dec 2 late"]);
    await shared.close();

    // Clearing the range shows everything again.
    await page.getByLabel("Due from").fill("");
    await expect(page).toHaveURL(/\/$/);
    await expect(page.locator(".task-list .task")).toHaveCount(5);
    await account.dispose();
  });
}
