/** Longer than this (characters or lines), a description starts clamped with "Show more". */
export const CLAMP_CHARS = 280;
export const CLAMP_LINES = 4;
