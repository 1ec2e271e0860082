import { useEffect, useState } from 'react';
import { api, errorMessage, fieldErrors } from '../../api/client.js';
import { Banner } from '../../components/Banner.js';
import { Segmented } from '../../components/Segmented.js';
import { Switch } from '../../components/Switch.js';
import { enableNotifications, notificationPermission, type NotifyPermission } from '../../lib/notify.js';
import type { ThemeChoice } from '../../lib/prefs.js';
import { useStore } from '../../store/index.js';

const PERMISSION_WORDS: Record<NotifyPermission, string> = {
  granted: 'On in this browser.',
  default: 'Not turned on yet.',
  denied: 'Blocked by this browser: allow notifications for this site in the browser settings.',
  unsupported: 'This browser cannot show notifications here.',
};

/** The answer grace period (a server setting: every console and tab uses it). */
function AnswerGrace() {
  const grace = useStore((s) => s.answerGraceS);
  const setGrace = useStore((s) => s.setAnswerGraceS);
  const [value, setValue] = useState(String(grace));
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => setValue(String(grace)), [grace]);
  const n = Number(value);
  const valid = value.trim() !== '' && Number.isInteger(n) && n >= 0 && n <= 60;
  async function save() {
    setError(null);
    setSaved(false);
    try {
      const s = await api.updateSettings({ answer_grace_s: n });
      setGrace(s.answer_grace_s);
      setSaved(true);
    } catch (e) {
      setError(fieldErrors(e)[0]?.message ?? errorMessage(e));
    }
  }
  return (
    <div className="field">
      <label htmlFor="s-answer-grace">Undo window (seconds)</label>
      <div className="row">
        <input
          id="s-answer-grace"
          className="input"
          style={{ width: 96 }}
          inputMode="numeric"
          value={value}
          onChange={(e) => {
            setValue(e.target.value);
            setSaved(false);
          }}
          aria-invalid={!valid}
          aria-describedby="s-answer-grace-hint"
        />
        <button type="button" className="btn" disabled={!valid || n === grace} onClick={() => void save()}>
          Save
        </button>
        {saved && <span className="small muted">Saved</span>}
      </div>
      <div id="s-answer-grace-hint" className={valid ? 'hint' : 'error'}>
        {valid
          ? n === 0
            ? 'Answers are sent at once, without Undo.'
            : `An answer waits ${n} s, with Undo, before it reaches the agent.`
          : 'A whole number from 0 to 60'}
      </div>
      {error && <div className="error">{error}</div>}
    </div>
  );
}

/** Settings of this console: the undo window, notifications, do-not-disturb and the theme. */
export function ConsolePanel() {
  const theme = useStore((s) => s.theme);
  const setTheme = useStore((s) => s.setTheme);
  const dnd = useStore((s) => s.dnd);
  const setDnd = useStore((s) => s.setDnd);
  const [permission, setPermission] = useState<NotifyPermission>(notificationPermission);
  const desktop = !!window.gatehouse;
  return (
    <div className="stack settings-console">
      <section className="panel">
        <div className="panel-head">
          <div>
            <h2>Answering</h2>
            <p>A short wait before an answer is sent, so a wrong key press can be taken back.</p>
          </div>
        </div>
        <AnswerGrace />
      </section>

      <section className="panel">
        <div className="panel-head">
          <div>
            <h2>Notifications</h2>
            <p>
              New requests are announced while no console window has focus, grouped by agent; a single request can be approved or denied
              from the notification.
            </p>
          </div>
        </div>
        <div className="stack-sm">
          {!desktop && (
            <div className="row-wrap">
              <span className="small">{PERMISSION_WORDS[permission]}</span>
              {permission === 'default' && (
                <button type="button" className="btn sm primary" onClick={async () => setPermission(await enableNotifications())}>
                  Turn on notifications
                </button>
              )}
            </div>
          )}
          {!desktop && (
            <p className="muted small">
              The console tab must stay open (in the background is fine): notifications come from its live connection, never from a server
              on the internet.
            </p>
          )}
          <label className="row">
            <Switch checked={dnd} onChange={setDnd} label="Do not disturb" />
            <span>
              <strong>Do not disturb</strong>
              <span className="muted small block">No notifications while on; requests still wait in the queue.</span>
            </span>
          </label>
          {dnd && <Banner kind="warn">Do not disturb is on: agents may wait for you without you knowing.</Banner>}
        </div>
      </section>

      <section className="panel">
        <div className="panel-head">
          <div>
            <h2>Appearance</h2>
            <p>Stored in this browser.</p>
          </div>
        </div>
        <Segmented<ThemeChoice>
          label="Theme"
          value={theme}
          onChange={setTheme}
          options={[
            { value: 'system', label: 'System', hint: 'Follow the operating system' },
            { value: 'light', label: 'Light' },
            { value: 'dark', label: 'Dark' },
          ]}
        />
      </section>
    </div>
  );
}
