"use client";

import { useEffect, useRef } from "react";

interface Props {
  /** `fromButton`: asked for with the button (focus may move), not by scrolling */
  onMore: (fromButton: boolean) => void;
  busy: boolean;
  /** load by itself when the end of the list scrolls near (off after a failure, until the button) */
  auto: boolean;
  /** how many tasks are shown: the observer starts again after each page */
  count: number;
}

const DWELL_MS = 400;

/** "Load more tasks", and infinite scroll on top of it: the button stays as the accessible way. */
export default function LoadMore({ onMore, busy, auto, count }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const more = useRef(onMore);
  useEffect(() => {
    more.current = onMore;
  });

  useEffect(() => {
    const el = box.current;
    if (!el || !auto || busy || typeof IntersectionObserver === "undefined") return;
    // A fresh observer reports at once whether the end is still in view (a short page). The end
    // has to stay near for a moment: a press of the button on its way is not pre-empted by a
    // load that would make the button vanish under the pointer.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const io = new IntersectionObserver(
      ([entry]) => {
        clearTimeout(timer);
        if (entry?.isIntersecting) timer = setTimeout(() => more.current(false), DWELL_MS);
      },
      { rootMargin: "0px 0px 600px 0px" },
    );
    io.observe(el);
    return () => {
      clearTimeout(timer);
      io.disconnect();
    };
  }, [auto, busy, count]);

  // The button keeps its name and stays usable while a page is on its way (a press then waits
  // for that page), so a scroll that started loading never turns it away.
  return (
    <div ref={box} className="load-more">
      <button type="button" className="btn btn-ghost" onClick={() => onMore(true)} aria-busy={busy || undefined}>
        Load more tasks
      </button>
      {busy && (
        <span className="load-more-busy">
          <span className="spinner" aria-hidden="true" /> Loading more tasks…
        </span>
      )}
    </div>
  );
}
