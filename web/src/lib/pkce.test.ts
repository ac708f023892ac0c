import { createHash } from 'node:crypto';
import { beginSignIn, challengeOf, signOutUrl, takePendingSignIn, type KeyValueStorage } from './pkce';

class MemoryStorage implements KeyValueStorage {
  readonly items = new Map<string, string>();
  getItem = (key: string) => this.items.get(key) ?? null;
  setItem = (key: string, value: string) => void this.items.set(key, value);
  removeItem = (key: string) => void this.items.delete(key);
}

const COGNITO = {
  provider_name: 'Cognito',
  client_id: 'client-1',
  authorization_endpoint: 'https://skydag.auth.eu-west-1.amazoncognito.com/oauth2/authorize',
  end_session_endpoint: 'https://skydag.auth.eu-west-1.amazoncognito.com/logout',
  scopes: ['openid', 'email'],
};

describe('the PKCE sign-in round trip', () => {
  it('sends an S256 challenge of the kept verifier, the state and the callback URI', async () => {
    const storage = new MemoryStorage();
    const url = new URL(await beginSignIn(COGNITO, 'https://console.example.com', '/dags/etl/grid', storage));
    expect(url.origin + url.pathname).toBe(COGNITO.authorization_endpoint);
    const q = Object.fromEntries(url.searchParams);
    const pending = takePendingSignIn(q.state!, storage)!;
    expect(q).toEqual({
      response_type: 'code',
      client_id: 'client-1',
      redirect_uri: 'https://console.example.com/auth/callback',
      scope: 'openid email',
      state: pending.state,
      code_challenge: createHash('sha256').update(pending.verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    expect(pending.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pending.next).toBe('/dags/etl/grid');
  });

  it('accepts a callback once, and only with the state it sent', async () => {
    const storage = new MemoryStorage();
    const url = new URL(await beginSignIn(COGNITO, 'https://c.example', '/dags', storage));
    expect(takePendingSignIn('forged-state', storage)).toBeNull();
    // The mismatch used the pending sign-in up: the right state no longer works either.
    expect(takePendingSignIn(url.searchParams.get('state'), storage)).toBeNull();
    expect(takePendingSignIn(null, new MemoryStorage())).toBeNull();
  });

  it('never sends the user elsewhere afterwards', async () => {
    const storage = new MemoryStorage();
    const url = new URL(await beginSignIn(COGNITO, 'https://c.example', 'https://evil.example/', storage));
    expect(takePendingSignIn(url.searchParams.get('state'), storage)!.next).toBe('/dags');
  });

  it('computes the RFC 7636 appendix B challenge', async () => {
    expect(await challengeOf('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it("signs out at Cognito's /logout and comes back to the login page", () => {
    const url = new URL(signOutUrl(COGNITO, 'https://c.example')!);
    expect(url.searchParams.get('client_id')).toBe('client-1');
    expect(url.searchParams.get('logout_uri')).toBe('https://c.example/login');
    expect(signOutUrl({ ...COGNITO, end_session_endpoint: null }, 'https://c.example')).toBeNull();
  });
});
