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
    const v = JSON.parse(store()?.getItem(KEY) ?? "{}") as Partial<Draft> | null;
    return { title: String(v?.title ?? ""), description: String(v?.description ?? "") };
  } catch {
    return EMPTY; // a corrupt draft is no draft
  }
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
