import { useEffect } from 'react';
import { fetchSession } from '../../api/session.js';
import { CopyButton } from '../../components/CopyButton.js';
import { Icon } from '../../components/Icon.js';
import { Logo } from '../../components/Logo.js';
import { useStore } from '../../store/index.js';

/** Shown when this browser has no session: the exact command that prints a fresh login link here. */
export function LoginScreen() {
  const expired = useStore((s) => s.loginExpired);
  const auth = useStore((s) => s.auth);
  const error = useStore((s) => s.authError);
  const known = useStore((s) => s.loginCommand);
  const setLoginCommand = useStore((s) => s.setLoginCommand);
  const command = known ?? 'gatehouse open';
  const origin = window.location.origin;
  // A session that ended while the console was open: ask the server for its exact command.
  useEffect(() => {
    if (known) return;
    void fetchSession()
      .then((s) => setLoginCommand(s.login_command ?? null))
      .catch(() => undefined);
  }, [known, setLoginCommand]);
  return (
    <main className="login">
      <div className="login-card card">
        <div className="row" style={{ gap: 12 }}>
          <Logo size={36} />
          <div>
            <h1>Gatehouse</h1>
            <p className="muted small">Local governance console for AI agents</p>
          </div>
        </div>

        {expired ? (
          <div className="banner warn" role="alert">
            <Icon name="lock" />
            <div className="banner-body">
              <strong>This login link was already used.</strong> Each link works once, so that a link left in your terminal history or shell
              scrollback cannot be replayed. Get a fresh one below.
            </div>
          </div>
        ) : auth === 'error' ? (
          <div className="banner error" role="alert">
            <Icon name="alert" />
            <div className="banner-body">
              <strong>Gatehouse did not answer.</strong> {error ?? ''} Is <code>gatehouse serve</code> still running?
            </div>
          </div>
        ) : (
          <p>
            <strong>Sign in with a login link.</strong> The console only opens from a one-time link printed by Gatehouse on this machine, so
            no other program or website can act on your approvals.
          </p>
        )}

        <ol className="login-steps">
          <li>
            <span>Open a terminal on this computer and run:</span>
            <div className="row">
              <pre className="codeblock grow login-command" aria-label="Command for a new login link">
                {/* Never wraps inside a flag ("--data-dir"); a long path may wrap anywhere. */}
                {command.split(' ').map((w, i) => (
                  <span key={i} className={w.startsWith('-') ? 'nowrap' : undefined}>
                    {i > 0 ? ' ' : ''}
                    {w}
                  </span>
                ))}
              </pre>
              <CopyButton text={command} />
            </div>
          </li>
          <li>
            It prints a new link like <code>{origin}/?token=…</code> (and opens it in your browser).
          </li>
          <li>Open that link here. The session lasts until you sign out or leave it unused for 30 days, restarts included.</li>
        </ol>
        {!command.startsWith('gatehouse ') && (
          <p className="muted small">
            Tip: put <code>gatehouse</code> on your PATH with <code>npm link</code> in the Gatehouse folder; this becomes{' '}
            <code>gatehouse open</code>.
          </p>
        )}
      </div>
    </main>
  );
}
