/**
 * Sign in: with the deployment's sign-in provider (Cognito's hosted UI in AWS, any OIDC provider
 * locally) when one is configured, and/or with a skydag user's password (local mode: the admin printed
 * by the first `npm start`, or users an Admin created). GET /auth/config says which.
 */
import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Navigate, useSearchParams } from 'react-router';
import { errorMessage } from '../api/client';
import { getAuthConfig } from '../api/endpoints';
import { useSession } from '../auth/session';
import { beginSignIn } from '../lib/pkce';
import { safeNext } from '../lib/navigation';

export function LoginPage() {
  const session = useSession();
  const [params] = useSearchParams();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const config = useQuery({ queryKey: ['auth-config'], queryFn: getAuthConfig, staleTime: 5 * 60_000, retry: 1 });
  const next = safeNext(params.get('next'));
  if (session.token && !session.loading) return <Navigate to={next} replace />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await session.signIn(username.trim(), password);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const oidc = config.data?.oidc ?? null;
  // Until the config answers (or if it cannot), offer the password form: it is what local mode uses.
  const passwords = config.data?.password_login ?? true;
  const signInWithProvider = async () => {
    if (!oidc) return;
    setBusy(true);
    window.location.assign(await beginSignIn(oidc, window.location.origin, next, sessionStorage));
  };

  return (
    <div className="login-screen">
      <div className="login-card">
        <div className="login-brand">
          <img src="/favicon.svg" alt="" width="36" height="36" />
          <div>
            <h1>skydag</h1>
            <p className="muted">Workflow orchestrator</p>
          </div>
        </div>
        {oidc ? (
          <button type="button" className="button primary wide" onClick={() => void signInWithProvider()} disabled={busy}>
            Sign in with {oidc.provider_name}
          </button>
        ) : null}
        {oidc && passwords ? <p className="muted small login-or">or with a skydag user</p> : null}
        {config.isError ? (
          <div className="callout error" role="alert">
            {errorMessage(config.error)}
          </div>
        ) : null}
        {passwords ? (
          <form onSubmit={submit} aria-label="Sign in">
            <label className="field">
              <span>Username</span>
              <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus={!oidc} />
            </label>
            <label className="field">
              <span>Password</span>
              <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
            </label>
            {error ? (
              <div className="callout error" role="alert">
                {error}
              </div>
            ) : null}
            <button type="submit" className={`button wide ${oidc ? '' : 'primary'}`} disabled={busy}>
              {busy ? 'Signing in…' : 'Sign in'}
            </button>
            {oidc ? null : (
              <p className="muted small">
                First start? The password of the user <code>admin</code> was printed once by <code>npm start</code> (or set <code>SKYDAG_ADMIN_PASSWORD</code>{' '}
                before the first start).
              </p>
            )}
          </form>
        ) : null}
      </div>
    </div>
  );
}
