"use client";

export interface Notice {
  /** one notice per thing that failed ("status-17"): a new failure of it replaces the old one */
  id: string;
  text: string;
  retry?: () => void;
  /** a delete that went through: Undo restores it from the trash */
  undo?: () => void;
}

interface Props {
  notices: readonly Notice[];
  onDismiss: (id: string) => void;
}

/** The toasts at the bottom: each failure keeps its own "Try again"; several get "Retry all". */
export default function Notices({ notices, onDismiss }: Props) {
  if (notices.length === 0) return null;
  const retryable = notices.filter((n) => n.retry);
  const run = (n: Notice) => {
    onDismiss(n.id);
    n.retry?.();
  };
  return (
    <div className="toasts">
      {retryable.length > 1 && (
        <div className="toast toast-bar">
          <p>{retryable.length} changes failed.</p>
          <button type="button" className="btn btn-primary" onClick={() => retryable.forEach(run)}>
            Retry all
          </button>
        </div>
      )}
      {notices.map((n) => (
        <div key={n.id} className="toast" role={n.undo ? "status" : "alert"}>
          <p>{n.text}</p>
          <div className="toast-actions">
            {n.undo && (
              <button type="button" className="btn btn-primary" onClick={n.undo}>
                Undo
              </button>
            )}
            {n.retry && (
              <button type="button" className="btn btn-primary" onClick={() => run(n)}>
                Try again
              </button>
            )}
            <button type="button" className="btn btn-ghost" onClick={() => onDismiss(n.id)}>
              Dismiss
            </button>
          </div>
        </div>
      ))}
    </div>
  );
}
