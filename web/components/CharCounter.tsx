import { counterText } from "@/lib/validate";

/** "183 of 200 characters" near the limit, "12 characters too many" past it; nothing before. */
export default function CharCounter({ id, text, max }: { id: string; text: string; max: number }) {
  const c = counterText(text, max);
  if (!c) return null;
  return (
    <p id={id} className={c.over ? "counter counter-over" : "counter"}>
      {c.text}
    </p>
  );
}

/** The counter's id when it is shown, for aria-describedby. */
export const counterId = (id: string, text: string, max: number) => (counterText(text, max) ? id : null);

/** aria-describedby from the ids that apply. */
export const describedBy = (...list: (string | null | undefined | false)[]) => list.filter(Boolean).join(" ") || undefined;
