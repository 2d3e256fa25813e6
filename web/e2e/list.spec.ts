import { expect, test } from "@playwright/test";
import { createTasksViaApi, listedTitles, loginViaUi, registerViaApi, shotBoth, taskCard, uniqueEmail } from "./helpers";

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
