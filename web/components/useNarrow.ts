import { useSyncExternalStore } from "react";

/** The phone layout's breakpoint, the same as globals.css's `max-width: 639px`. */
const NARROW = "(max-width: 639px)";

const subscribe = (onChange: () => void) => {
  const m = window.matchMedia(NARROW);
  m.addEventListener("change", onChange);
  return () => m.removeEventListener("change", onChange);
};

/** Whether the screen is phone-sized (false on the server). */
export const useNarrow = () =>
  useSyncExternalStore(subscribe, () => window.matchMedia(NARROW).matches, () => false);
