/**
 * Where the sign-in provider sends the browser back: checks the state against the sign-in this tab
 * started, redeems the code through the API (with the PKCE verifier), starts the session and goes on
 * to the page the user wanted.
 */
import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { errorMessage } from '../api/client';
import { redeemSignInCode } from '../api/endpoints';
import { useSession } from '../auth/session';
import { takePendingSignIn, type PendingSignIn } from '../lib/pkce';

/** What the callback URL says, read once (taking the pending sign-in uses it up). */
function readCallback(params: URLSearchParams): { problem: string } | { code: string; pending: PendingSignIn } {
  const providerError = params.get('error');
  const pending = takePendingSignIn(params.get('state'), sessionStorage);
  // The provider's error code only: its description is text from the URL.
  if (providerError) return { problem: `The sign-in provider answered ${/^[a-z_]{1,64}$/.test(providerError) ? providerError : 'an error'}.` };
  const code = params.get('code');
  if (!pending || !code) return { problem: 'This sign-in link does not belong to a sign-in started here (or was already used).' };
  return { code, pending };
}

export function AuthCallbackPage() {
  const [params] = useSearchParams();
  const session = useSession();
  const navigate = useNavigate();
  const [callback] = useState(() => readCallback(params));
  const [problem, setProblem] = useState<string | null>('problem' in callback ? callback.problem : null);
  const started = useRef(false);

  useEffect(() => {
    if (started.current || 'problem' in callback) return;
    started.current = true;
    const { code, pending } = callback;
    redeemSignInCode(code, pending.verifier, pending.redirectUri).then(
      (result) => {
        session.adoptProviderToken(result.access_token, result.expires_in);
        navigate(pending.next, { replace: true });
      },
      (err: unknown) => setProblem(errorMessage(err)),
    );
  }, [callback, session, navigate]);

  return (
    <div className="login-screen">
      <div className="login-card">
        {problem ? (
          <>
            <div className="callout error" role="alert">
              {problem}
            </div>
            <Link className="button primary wide" to="/login">
              Sign in again
            </Link>
          </>
        ) : (
          <p className="muted">Signing you in…</p>
        )}
      </div>
    </div>
  );
}
