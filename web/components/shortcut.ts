// The one rule for single-key shortcuts (n, /, ?): no modifier, not while typing in a field, and
// not while a modal dialog is open (the page behind it is inert).
export function isShortcut(e: KeyboardEvent, key: string): boolean {
  if (e.key !== key || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return false;
  const el = e.target as HTMLElement | null;
  if (el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName))) return false;
  return !document.querySelector("dialog[open]");
}

/** Listens for one shortcut on the whole document; returns the unsubscribe function. */
export function onShortcut(key: string, run: () => void): () => void {
  const onKey = (e: KeyboardEvent) => {
    if (!isShortcut(e, key)) return;
    e.preventDefault();
    run();
  };
  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}
