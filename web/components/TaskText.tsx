"use client";

import { useState } from "react";
import { CLAMP_CHARS, CLAMP_LINES } from "./textClamp";

const URL_RE = /\bhttps?:\/\/[^\s<>"]+/gi;
/** punctuation that ends a sentence rather than the address ("see https://example.com.") */
const TRAILING = /[.,;:!?'")\]}]+$/;

type Part = string | { href: string; text: string };

/** The address as a link target if it is an http(s) URL, else null (nothing else becomes a link). */
function safeHref(raw: string): string | null {
  try {
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** Text split into plain runs and http(s) links. */
export function linkParts(text: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    const raw = m[0].replace(TRAILING, "");
    const href = safeHref(raw);
    if (!href) continue;
    parts.push(text.slice(last, m.index), { href, text: raw });
    last = m.index + raw.length;
  }
  parts.push(text.slice(last));
  return parts.filter((p) => p !== "");
}


/** A task's description: links clickable (rendered as elements, never as HTML), long text clamped. */
export default function TaskText({ id, text }: { id: string; text: string }) {
  const [expanded, setExpanded] = useState(false);
  const long = text.length > CLAMP_CHARS || text.split("\n").length > CLAMP_LINES;
  return (
    <div className="task-text">
      <p id={id} className={long && !expanded ? "task-desc task-desc-clamped" : "task-desc"}>
        {linkParts(text).map((p, i) =>
          typeof p === "string" ? (
            p
          ) : (
            <a key={i} href={p.href} target="_blank" rel="noopener noreferrer">
              {p.text}
            </a>
          ),
        )}
      </p>
      {long && (
        <button type="button" className="link-button" aria-expanded={expanded} aria-controls={id} onClick={() => setExpanded(!expanded)}>
          {expanded ? "Show less" : "Show more"}
        </button>
      )}
    </div>
  );
}
