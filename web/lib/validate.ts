export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 2000;

export type TaskField = "title" | "description" | "status" | "due_at" | "priority";
export const TASK_FIELDS: readonly TaskField[] = ["title", "description", "status", "due_at", "priority"];

/**
 * Length as the API counts it: characters (Unicode scalar values, Rust's `chars().count()`), not
 * UTF-16 units, so an emoji is one character here as there. The one place text length is counted.
 */
export const charCount = (text: string): number => Array.from(text).length; // iterates by code point

/** A counter is shown from this share of the limit on (and always past it). */
const NEAR = 0.9;

/** "183 of 200 characters", "12 characters too many", or null while far from the limit. */
export function counterText(text: string, max: number): { text: string; over: boolean } | null {
  const n = charCount(text);
  if (n < max * NEAR) return null;
  if (n <= max) return { text: `${n} of ${max} characters`, over: false };
  const extra = n - max;
  return { text: `${extra} character${extra === 1 ? "" : "s"} too many`, over: true };
}

function tooLong(what: string, text: string, max: number): string | undefined {
  const n = charCount(text);
  return n > max ? `${what} must be at most ${max} characters; it has ${n}. Shorten it to save.` : undefined;
}

/** The same limits the API enforces, checked before sending (on the text as it will be sent). */
export function validateTask(title: string, description: string): Partial<Record<TaskField, string>> {
  const errors: Partial<Record<TaskField, string>> = {};
  const t = title.trim();
  if (!t) errors.title = "Enter a title.";
  else errors.title = tooLong("Title", t, TITLE_MAX);
  errors.description = tooLong("Description", description.trim(), DESCRIPTION_MAX);
  if (!errors.title) delete errors.title;
  if (!errors.description) delete errors.description;
  return errors;
}
