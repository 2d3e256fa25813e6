/** The phone layout's breakpoint, the same as globals.css's `max-width: 639px`. */
const NARROW = "(max-width: 639px)";

/** Whether the screen is phone-sized now (false where there is no window). */
export const isNarrow = (): boolean => typeof window !== "undefined" && window.matchMedia(NARROW).matches;
