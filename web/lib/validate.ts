export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 2000;

export type TaskField = "title" | "description" | "status" | "due_at" | "priority";
export const TASK_FIELDS: readonly TaskField[] = ["title", "description", "status", "due_at", "priority"];

/** The same limits the API enforces, checked before sending. */
export function validateTask(title: string, description: string): Partial<Record<TaskField, string>> {
  const errors: Partial<Record<TaskField, string>> = {};
  if (!title.trim()) errors.title = "Enter a title.";
  else if (title.trim().length > TITLE_MAX) errors.title = `Title must be at most ${TITLE_MAX} characters.`;
  if (description.length > DESCRIPTION_MAX) errors.description = `Description must be at most ${DESCRIPTION_MAX} characters.`;
  return errors;
}
