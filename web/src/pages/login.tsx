/** Sign in with a skydag user (local mode: the admin printed by the first `npm start`, or users an Admin created). */
import { useState, type FormEvent } from 'react';
import { Navigate, useSearchParams } from 'react-router';
import { errorMessage } from '../api/client';
import { useSession } from '../auth/session';
import { safeNext } from '../lib/navigation';

export function LoginPage() {
  const session = useSession();
  const [params] = useSearchParams();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
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

  return (
    <div className="login-screen">
      <form className="login-card" onSubmit={submit} aria-label="Sign in">
        <div className="login-brand">
          <img src="/favicon.svg" alt="" width="36" height="36" />
          <div>
            <h1>skydag</h1>
            <p className="muted">Workflow orchestrator</p>
          </div>
        </div>
        <label className="field">
          <span>Username</span>
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />
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
        <button type="submit" className="button primary wide" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">
          First start? The password of the user <code>admin</code> was printed once by <code>npm start</code> (or set <code>SKYDAG_ADMIN_PASSWORD</code> before
          the first start).
        </p>
      </form>
    </div>
  );
}
