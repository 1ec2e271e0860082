import { Fragment } from 'react';
import { MASK, maskSecrets } from '../lib/mask.js';
import { CopyButton } from './CopyButton.js';

/** Monospace, wrapping block; masked secrets are highlighted so it is clear something was hidden. */
export function CodeBlock({
  text,
  mask = true,
  copy = false,
  tall = false,
  label,
}: {
  text: string;
  mask?: boolean;
  copy?: boolean;
  tall?: boolean;
  label?: string;
}) {
  const shown = mask ? maskSecrets(text) : text;
  const parts = shown.split(MASK);
  return (
    <div className="snippet">
      <pre className={`codeblock${tall ? ' tall' : ''}${copy ? ' with-copy' : ''}`} aria-label={label} tabIndex={0}>
        {parts.map((p, i) => (
          <Fragment key={i}>
            {p}
            {i < parts.length - 1 && (
              <span className="masked" title="Hidden: looks like a secret">
                {MASK}
              </span>
            )}
          </Fragment>
        ))}
      </pre>
      {copy && <CopyButton text={text} />}
    </div>
  );
}
