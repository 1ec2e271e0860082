import { useStore } from '../store/index.js';
import { Icon, type IconName } from './Icon.js';

const ICON: Record<string, IconName> = { allowed: 'check', denied: 'x', error: 'alert', pending: 'clock', info: 'info' };

export function Toasts() {
  const toasts = useStore((s) => s.toasts);
  const dismiss = useStore((s) => s.dismissToast);
  return (
    <div className="toasts" role="region" aria-label="Notifications" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast ${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'} data-toast-id={t.id}>
          <Icon name={ICON[t.kind] ?? 'info'} />
          <div className="toast-body">
            <div className="toast-title">{t.title}</div>
            {t.detail && <div className="toast-detail">{t.detail}</div>}
          </div>
          {t.action && (
            <button
              type="button"
              className="btn sm toast-action"
              onClick={() => {
                t.action!.run();
                dismiss(t.id);
              }}
            >
              {t.action.label}
            </button>
          )}
          <button type="button" className="btn ghost sm icon" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
            <Icon name="x" size={14} />
          </button>
          {t.progressMs ? <span className="toast-progress" style={{ animationDuration: `${t.progressMs}ms` }} aria-hidden="true" /> : null}
        </div>
      ))}
    </div>
  );
}
