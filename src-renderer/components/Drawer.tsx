import { useId, useRef, type ReactNode } from 'react';
import { useModalLayer } from '../hooks/useModalLayer.js';
import { Icon } from './Icon.js';

/** A right-hand drawer: modal, focus kept inside, Escape or the overlay closes it. */
export function Drawer({
  title,
  subtitle,
  onClose,
  children,
  footer,
  wide,
}: {
  title: ReactNode;
  subtitle?: ReactNode;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const id = useId();
  useModalLayer(ref, onClose, closeRef);
  return (
    <>
      <div className="overlay" onClick={onClose} aria-hidden="true" />
      <div
        className={`drawer${wide ? ' wide' : ''}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${id}-title`}
        ref={ref}
        data-modal-layer
      >
        <div className="drawer-head">
          <div className="grow">
            <h2 id={`${id}-title`} className="truncate">
              {title}
            </h2>
            {subtitle && <div className="muted small truncate">{subtitle}</div>}
          </div>
          <button type="button" className="btn ghost icon" onClick={onClose} aria-label="Close" ref={closeRef}>
            <Icon name="x" />
          </button>
        </div>
        <div className="drawer-body">{children}</div>
        {footer && <div className="drawer-foot">{footer}</div>}
      </div>
    </>
  );
}
