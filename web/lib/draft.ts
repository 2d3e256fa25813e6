// The half-typed new task, kept in sessionStorage (this tab only) so that it survives the session
// ending and signing in again. Cleared once the task is made, and on an explicit sign-out.

const KEY = "taskhub.draft";

export interface Draft {
  title: string;
  description: string;
}

const EMPTY: Draft = { title: "", description: "" };

function store(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled
  }
}

export function readDraft(): Draft {
  try {
    const v: unknown = JSON.parse(store()?.getItem(KEY) ?? "null");
    if (v && typeof v === "object") {
      const { title, description } = v as Partial<Draft>;
      return { title: typeof title === "string" ? title : "", description: typeof description === "string" ? description : "" };
    }
  } catch {
    /* a corrupt draft is no draft */
  }
  return EMPTY;
}

export function saveDraft(d: Draft): void {
  try {
    if (!d.title && !d.description) store()?.removeItem(KEY);
    else store()?.setItem(KEY, JSON.stringify(d));
  } catch {
    /* full or disabled: the draft is only a convenience */
  }
}

export const clearDraft = () => saveDraft(EMPTY);
