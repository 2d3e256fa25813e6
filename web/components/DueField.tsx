"use client";

import { DUE_SHORTCUTS, shortcutValue } from "@/lib/due";

interface Props {
  id: string;
  label: string;
  /** a datetime-local value, "" for no due date */
  value: string;
  onChange: (value: string) => void;
  error?: string;
}

/** A due date and time in the browser's time zone, with Today / Tomorrow / Next week shortcuts. */
export default function DueField({ id, label, value, onChange, error }: Props) {
  return (
    <div className="field field-due">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="datetime-local"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      <div className="due-shortcuts" role="group" aria-label={`${label}: shortcuts`}>
        {DUE_SHORTCUTS.map((s) => (
          <button key={s} type="button" className="chip chip-small" onClick={() => onChange(shortcutValue(s))}>
            {s}
          </button>
        ))}
        {value && (
          <button type="button" className="chip chip-small" onClick={() => onChange("")}>
            No due date
          </button>
        )}
      </div>
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}
