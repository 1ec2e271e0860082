import { useNow } from '../../lib/clock.js';
import { clockDuration } from '../../lib/format.js';
import { Icon } from '../../components/Icon.js';

const URGENT_S = 30;

/** Time left before the approval expires; turns urgent in the last 30 s. */
export function Countdown({ createdAt, expiresAt, timeoutAction }: { createdAt: string; expiresAt: string; timeoutAction: string }) {
  const now = useNow();
  const end = Date.parse(expiresAt);
  const total = Math.max(1, end - Date.parse(createdAt));
  const leftS = Math.max(0, (end - now) / 1000);
  const state = leftS <= 0 ? 'over' : leftS <= URGENT_S ? 'urgent' : 'ok';
  const fraction = Math.max(0, Math.min(1, (end - now) / total));
  return (
    <div
      className={`countdown ${state}`}
      title={`Expires at ${new Date(end).toLocaleTimeString()}; then the action is ${timeoutAction === 'allow' ? 'allowed' : 'denied'}`}
    >
      <div className="countdown-text">
        <Icon name="clock" size={14} />
        {state === 'over' ? (
          <span>Expired — {timeoutAction === 'allow' ? 'allowed' : 'denied'} by timeout</span>
        ) : (
          <span>
            <span className="countdown-time" role="timer" aria-live={state === 'urgent' ? 'assertive' : 'off'}>
              {clockDuration(leftS)}
            </span>{' '}
            left · then {timeoutAction === 'allow' ? 'allowed' : 'denied'}
          </span>
        )}
      </div>
      <div className="countdown-bar" aria-hidden="true">
        <span style={{ width: `${fraction * 100}%` }} />
      </div>
    </div>
  );
}
