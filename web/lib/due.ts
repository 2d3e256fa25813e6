// Due dates in the browser's time zone: the datetime-local control's value, its shortcuts, and the
// relative text a task shows ("due tomorrow 17:00", "overdue by 2 days").

const pad = (n: number) => String(n).padStart(2, "0");

/** A datetime-local value ("2026-12-24T17:00") for an instant, in local time. */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The instant a datetime-local value means here, as RFC 3339 in UTC ("Z" is its offset); null when empty. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(value); // a date-time without an offset is local time
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function at(days: number, hours: number, minutes = 0, from = new Date()): Date {
  const d = new Date(from);
  d.setDate(d.getDate() + days);
  d.setHours(hours, minutes, 0, 0);
  return d;
}

export const DUE_SHORTCUTS = ["Today", "Tomorrow", "Next week"] as const;
export type DueShortcut = (typeof DUE_SHORTCUTS)[number];

/** Today 17:00 (23:59 once that has passed), tomorrow 09:00, next Monday 09:00: as datetime-local values. */
export function shortcutValue(which: DueShortcut, now = new Date()): string {
  let d: Date;
  if (which === "Today") {
    d = at(0, 17, 0, now);
    if (d.getTime() <= now.getTime()) d = at(0, 23, 59, now);
  } else if (which === "Tomorrow") d = at(1, 9, 0, now);
  else d = at(((8 - now.getDay()) % 7) || 7, 9, 0, now);
  return toLocalInput(d.toISOString());
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const weekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long" });
const dayFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const dayYearFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric" });
const exactFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });

/** The full local date and time, for the title attribute and screen readers. */
export function exactTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : exactFormat.format(d);
}

const startOfDay = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();

function amount(ms: number): string {
  const minutes = Math.max(1, Math.floor(ms / 60_000));
  const [n, unit] = minutes < 60 ? [minutes, "minute"] : minutes < 24 * 60 ? [Math.floor(minutes / 60), "hour"] : [Math.floor(minutes / 1440), "day"];
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** "due today 17:00", "due tomorrow 09:00", "due Friday 09:00", "due 24 Dec 17:00", or "overdue by 2 days". */
export function relativeDue(iso: string, now: number, done: boolean): { text: string; overdue: boolean } {
  const due = new Date(iso);
  const t = due.getTime();
  if (Number.isNaN(t)) return { text: `due ${iso}`, overdue: false };
  if (t < now && !done) return { text: `overdue by ${amount(now - t)}`, overdue: true };
  const days = Math.round((startOfDay(due) - startOfDay(new Date(now))) / 86_400_000);
  const time = timeFormat.format(due);
  let day: string;
  if (days === 0) day = "today";
  else if (days === 1) day = "tomorrow";
  else if (days === -1) day = "yesterday";
  else if (days > 1 && days < 7) day = weekdayFormat.format(due);
  else day = (due.getFullYear() === new Date(now).getFullYear() ? dayFormat : dayYearFormat).format(due);
  return { text: `${t < now ? "was due" : "due"} ${day} ${time}`, overdue: false };
}
