/**
 * The console's side of the OpenID Connect authorization-code flow with PKCE (RFC 7636), as Cognito's
 * hosted UI expects it: a random `state` and code verifier kept in sessionStorage for the one
 * round trip, the S256 challenge in the authorize URL, and the callback accepted only with the
 * state it was sent with (a link crafted elsewhere cannot sign the user in).
 */
import type { AuthConfig } from '../api/types';
import { safeNext } from './navigation';

export interface PendingSignIn {
  state: string;
  verifier: string;
  next: string;
  redirectUri: string;
}

export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const PENDING_KEY = 'skydag.oidc.pending';
export const CALLBACK_PATH = '/auth/callback';

function base64url(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** 32 random bytes, base64url: 43 characters, within RFC 7636's 43–128 for a verifier. */
export function randomToken(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

export async function challengeOf(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

/** Where to send the browser to sign in; remembers what the callback needs. */
export async function beginSignIn(oidc: NonNullable<AuthConfig['oidc']>, origin: string, next: string, storage: KeyValueStorage): Promise<string> {
  const pending: PendingSignIn = { state: randomToken(), verifier: randomToken(), next: safeNext(next), redirectUri: `${origin}${CALLBACK_PATH}` };
  storage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(oidc.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: oidc.client_id,
    redirect_uri: pending.redirectUri,
    scope: oidc.scopes.join(' '),
    state: pending.state,
    code_challenge: await challengeOf(pending.verifier),
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

/** The pending sign-in this callback answers (used once), or null when the state does not match. */
export function takePendingSignIn(state: string | null, storage: KeyValueStorage): PendingSignIn | null {
  const raw = storage.getItem(PENDING_KEY);
  storage.removeItem(PENDING_KEY);
  if (!raw || !state) return null;
  try {
    const pending = JSON.parse(raw) as PendingSignIn;
    return typeof pending.state === 'string' && pending.state === state && typeof pending.verifier === 'string' ? pending : null;
  } catch {
    return null;
  }
}

/**
 * The provider's sign-out URL returning to the console's login page: Cognito's /logout reads
 * `client_id` + `logout_uri`; OIDC RP-initiated logout reads `post_logout_redirect_uri`.
 */
export function signOutUrl(oidc: NonNullable<AuthConfig['oidc']>, origin: string): string | null {
  if (!oidc.end_session_endpoint) return null;
  const url = new URL(oidc.end_session_endpoint);
  const back = `${origin}/login`;
  url.searchParams.set('client_id', oidc.client_id);
  url.searchParams.set('logout_uri', back);
  url.searchParams.set('post_logout_redirect_uri', back);
  return url.toString();
}
