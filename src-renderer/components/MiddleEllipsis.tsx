import { splitEnd } from '../lib/format.js';

/**
 * Text cut in the middle to fit its box: the head shrinks behind an ellipsis (CSS, so it uses the
 * whole width the box has at any window size), the end (its last part, lib/format.ts splitEnd)
 * always shows. The text itself stays whole: copying or a screen reader gets all of it.
 */
export function MiddleEllipsis({
  text,
  title,
  className,
  separator,
}: {
  text: string;
  title?: string;
  className?: string;
  separator?: RegExp;
}) {
  const [head, end] = splitEnd(text, undefined, separator);
  return (
    <span className={`middle-ellipsis${className ? ` ${className}` : ''}`} title={title}>
      <span className="head">{head}</span>
      {end && <span className="end">{end}</span>}
    </span>
  );
}
