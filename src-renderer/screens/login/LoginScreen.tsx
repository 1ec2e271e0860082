import { CopyButton } from '../../components/CopyButton.js';
import { Icon } from '../../components/Icon.js';
import { Logo } from '../../components/Logo.js';
import { useStore } from '../../store/index.js';

/** Shown when this browser has no session: explains how to get a one-time login link. */
export function LoginScreen() {
  const expired = useStore((s) => s.loginExpired);
  const auth = useStore((s) => s.auth);
  const error = useStore((s) => s.authError);
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
              <pre className="codeblock grow">gatehouse open</pre>
              <CopyButton text="gatehouse open" />
            </div>
          </li>
          <li>
            It prints a new link like <code>http://127.0.0.1:7077/?token=…</code> (and opens it in your browser).
          </li>
          <li>Open that link here. The session lasts 12 hours or until Gatehouse restarts.</li>
        </ol>
        <p className="muted small">
          Not running yet? Start it with <code>gatehouse serve</code>: it prints the first link when it starts.
        </p>
      </div>
    </main>
  );
}
