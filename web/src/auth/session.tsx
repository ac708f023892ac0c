/**
 * The signed-in session: the bearer token (kept in localStorage until it expires, so a reload or a
 * second tab stays signed in), the user from /auth/me with their roles and permissions, and `can()`
 * / `canOnDag()` for showing only the actions the user's roles allow, per DAG where the action acts on
 * one (the API checks again on every request).
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { setTokenSource } from '../api/client';
import { getMe, login as loginRequest } from '../api/endpoints';
import type { Me } from '../api/types';
import { holdsOnDag, type DagAction } from '../lib/dag-permissions';

const STORAGE_KEY = 'skydag.session';

interface StoredSession {
  token: string;
  expiresAt: number;
  /** How the user signed in: `oidc` sessions also sign out at the provider. */
  via?: 'password' | 'oidc';
}

function readStored(): StoredSession | null {
  try {
    const parsed = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as StoredSession | null;
    if (parsed && typeof parsed.token === 'string' && parsed.expiresAt > Date.now()) return parsed;
  } catch {
    // a corrupt entry is no session
  }
  localStorage.removeItem(STORAGE_KEY);
  return null;
}

export interface Session {
  token: string | null;
  me: Me | null;
  loading: boolean;
  signIn(username: string, password: string): Promise<void>;
  /** Starts a session with a token the sign-in provider's code was redeemed for. */
  adoptProviderToken(token: string, expiresInSeconds: number): void;
  via: 'password' | 'oidc' | null;
  signOut(): void;
  can(permission: string): boolean;
  /** Holds `action` on the DAG (every DAG, or this one) and, when given, the global `permission` too. */
  canOnDag(dagId: string, action: DagAction, permission?: string): boolean;
}

const SessionContext = createContext<Session | null>(null);

// The API client reads the token at request time; a 401 (expired or revoked token) ends the session.
let current: StoredSession | null = readStored();
let onUnauthenticated: () => void = () => undefined;
setTokenSource({ token: () => current?.token ?? null, onUnauthenticated: () => onUnauthenticated() });

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [stored, setStored] = useState<StoredSession | null>(current);

  const signOut = useCallback(() => {
    localStorage.removeItem(STORAGE_KEY);
    current = null;
    setStored(null);
    queryClient.clear();
  }, [queryClient]);

  useEffect(() => {
    onUnauthenticated = signOut;
  }, [signOut]);

  useEffect(() => {
    if (!stored) return;
    const timer = setTimeout(signOut, Math.max(0, stored.expiresAt - Date.now()));
    return () => clearTimeout(timer);
  }, [stored, signOut]);

  // Another tab signed in or out.
  useEffect(() => {
    const onStorage = (e: StorageEvent) => {
      if (e.key !== STORAGE_KEY) return;
      current = readStored();
      setStored(current);
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  const me = useQuery({ queryKey: ['me', stored?.token], queryFn: getMe, enabled: stored !== null, staleTime: 5 * 60_000 });

  const begin = useCallback(
    (session: StoredSession) => {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
      current = session;
      queryClient.clear();
      setStored(session);
    },
    [queryClient],
  );

  const signIn = useCallback(
    async (username: string, password: string) => {
      const result = await loginRequest(username, password);
      begin({ token: result.access_token, expiresAt: Date.now() + result.expires_in * 1000, via: 'password' });
    },
    [begin],
  );

  const adoptProviderToken = useCallback(
    (token: string, expiresInSeconds: number) => begin({ token, expiresAt: Date.now() + expiresInSeconds * 1000, via: 'oidc' }),
    [begin],
  );

  const value = useMemo<Session>(() => {
    const permissions = new Set(me.data?.permissions ?? []);
    return {
      token: stored?.token ?? null,
      me: me.data ?? null,
      loading: stored !== null && me.isPending,
      signIn,
      adoptProviderToken,
      via: stored ? (stored.via ?? 'password') : null,
      signOut,
      can: (permission) => permissions.has(permission),
      canOnDag: (dagId, action, permission) => (permission === undefined || permissions.has(permission)) && holdsOnDag(me.data?.dag_permissions, dagId, action),
    };
  }, [stored, me.data, me.isPending, signIn, adoptProviderToken, signOut]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
