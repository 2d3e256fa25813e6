"use client";

// The `?` dialog's body, in its own chunk (fetched once the list is shown; see ShortcutsDialog).
import { useEffect, useRef, type KeyboardEvent } from "react";

const SHORTCUTS: readonly (readonly [keys: readonly string[], what: string])[] = [
  [["n"], "Add a task: jump to its title"],
  [["/"], "Search tasks"],
  [["Esc"], "Close this dialog; cancel an edit or a delete"],
  [["?"], "Show these shortcuts"],
  [["Ctrl", "Enter"], "Save an edit from its description"],
];

const FOCUSABLE = 'button:not([disabled]), [href], input, select, textarea, [tabindex]:not([tabindex="-1"])';

/** A native modal <dialog> (the page behind is inert, Escape closes it), opened as it mounts. */
export default function ShortcutsPanel({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const d = dialog.current;
    if (!d || d.open) return;
    d.showModal();
    closeButton.current?.focus();
  }, []);

  // Tab and Shift+Tab cycle within the dialog rather than leaving for the browser's toolbar.
  const trap = (e: KeyboardEvent<HTMLDialogElement>) => {
    if (e.key !== "Tab") return;
    const items = [...e.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) return;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="shortcuts-title" onClose={onClose} onKeyDown={trap}>
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <dl className="shortcuts">
        {SHORTCUTS.map(([keys, what]) => (
          <div key={what}>
            <dt>
              {keys.map((k, i) => (
                <span key={k}>
                  {i > 0 && " + "}
                  <kbd>{k}</kbd>
                </span>
              ))}
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <p className="field-hint">Single-key shortcuts work when you are not typing in a field.</p>
      <div className="row">
        <button ref={closeButton} type="button" className="btn btn-primary" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </div>
    </dialog>
  );
}
