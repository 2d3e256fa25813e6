"use client";

import { useEffect, useRef, type KeyboardEvent } from "react";
import { onShortcut } from "./shortcut";

const SHORTCUTS: readonly (readonly [keys: readonly string[], what: string])[] = [
  [["n"], "Add a task: jump to its title"],
  [["/"], "Search tasks"],
  [["Esc"], "Close this dialog; cancel an edit or a delete"],
  [["?"], "Show these shortcuts"],
  [["Ctrl", "Enter"], "Save an edit from its description"],
];

const FOCUSABLE = 'button:not([disabled]), [href], input, select, textarea, [tabindex]:not([tabindex="-1"])';

/**
 * The `?` dialog: a native modal <dialog> (the page behind is inert, Escape closes it), with Tab
 * kept inside and focus returned to where it was.
 */
export default function ShortcutsDialog() {
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const closeButton = useRef<HTMLButtonElement>(null);

  const open = () => {
    const d = dialog.current;
    if (!d || d.open) return;
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    d.showModal();
    closeButton.current?.focus();
  };
  const openRef = useRef(open);
  useEffect(() => {
    openRef.current = open;
  });
  useEffect(() => onShortcut("?", () => openRef.current()), []);

  const onClose = () => {
    opener.current?.focus();
    opener.current = null;
  };

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
    <>
      <button type="button" className="btn btn-ghost btn-small shortcuts-open" aria-haspopup="dialog" onClick={open}>
        Keyboard shortcuts
      </button>
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
    </>
  );
}
