"use client";

import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { onShortcut } from "./shortcut";

// The dialog itself is not needed for the first render: it comes in its own chunk.
const ShortcutsPanel = lazy(() => import("./ShortcutsPanel"));
export const preloadShortcuts = () => void import("./ShortcutsPanel").catch(() => undefined);

/**
 * The `?` dialog listing the shortcuts (and a button for it on wide screens). It is a native
 * modal <dialog> (ShortcutsPanel): focus goes into it, Tab stays inside, Escape closes it, and
 * focus returns to where it was.
 */
export default function ShortcutsDialog() {
  const [open, setOpen] = useState(false);
  const opener = useRef<HTMLElement | null>(null);

  useEffect(
    () =>
      onShortcut("?", () => {
        opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
        setOpen(true);
      }),
    [],
  );

  const close = () => {
    setOpen(false);
    opener.current?.focus();
    opener.current = null;
  };

  return (
    <>
      <button
        type="button"
        className="btn btn-ghost btn-small shortcuts-open"
        aria-haspopup="dialog"
        onClick={(e) => {
          opener.current = e.currentTarget;
          setOpen(true);
        }}
      >
        Keyboard shortcuts
      </button>
      {open && (
        <Suspense fallback={null}>
          <ShortcutsPanel onClose={close} />
        </Suspense>
      )}
    </>
  );
}
