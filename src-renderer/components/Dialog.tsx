import { useId, useRef, type ReactNode, type RefObject } from 'react';
import { useModalLayer } from '../hooks/useModalLayer.js';

/** A centred modal dialog with focus management. */
export function Dialog({
  title,
  onClose,
  children,
  actions,
  initialFocus,
  role = 'dialog',
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  actions?: ReactNode;
  initialFocus?: RefObject<HTMLElement | null>;
  role?: 'dialog' | 'alertdialog';
}) {
  const ref = useRef<HTMLDivElement>(null);
  const id = useId();
  useModalLayer(ref, onClose, initialFocus);
  return (
    <>
      <div className="overlay dialog-overlay" onClick={onClose} aria-hidden="true" />
      <div className="dialog" role={role} aria-modal="true" aria-labelledby={`${id}-t`} ref={ref} data-modal-layer>
        <h2 id={`${id}-t`}>{title}</h2>
        {children}
        {actions && <div className="dialog-actions">{actions}</div>}
      </div>
    </>
  );
}

/** "Are you sure?" with the safe choice focused. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  danger,
  onConfirm,
  onCancel,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const cancel = useRef<HTMLButtonElement>(null);
  return (
    <Dialog
      title={title}
      onClose={onCancel}
      initialFocus={cancel}
      role="alertdialog"
      actions={
        <>
          <button type="button" className="btn" onClick={onCancel} ref={cancel}>
            Cancel
          </button>
          <button type="button" className={`btn ${danger ? 'deny' : 'primary'}`} onClick={onConfirm}>
            {confirmLabel}
          </button>
        </>
      }
    >
      <div className="muted">{children}</div>
    </Dialog>
  );
}
