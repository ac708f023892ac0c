/** The LDAP settings form's state and what a save sends: only the keys that changed. */
import type { LdapSettings, LdapSettingsPatch } from '../api/platform-endpoints';
import type { Pair } from './pairs';

/** Group DN → "Role, Role" rows and back. */
export const mappingPairs = (mapping: Record<string, string[]>): Pair[] => Object.entries(mapping).map(([group, roles]) => [group, roles.join(', ')]);
export function mappingOf(pairs: Pair[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [group, roles] of pairs) {
    if (!group.trim()) continue;
    out[group.trim()] = roles
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean);
  }
  return out;
}

export interface LdapDraft {
  settings: LdapSettings;
  mapping: Pair[];
  timeout: string;
  /** undefined: keep; '': clear; text: new. */
  bindPassword: string | undefined;
  clearPassword: boolean;
}

export const draftOf = (settings: LdapSettings): LdapDraft => ({ settings, mapping: mappingPairs(settings.AUTH_ROLES_MAPPING), timeout: String(settings.AUTH_LDAP_TIMEOUT), bindPassword: undefined, clearPassword: false });

/** Only what changed, so a save never rewrites a key the user did not touch. */
export function ldapPatch(stored: LdapSettings, draft: LdapDraft): LdapSettingsPatch {
  const patch: Record<string, unknown> = {};
  const next: Partial<LdapSettings> = { ...draft.settings, AUTH_ROLES_MAPPING: mappingOf(draft.mapping), AUTH_LDAP_TIMEOUT: Number(draft.timeout) };
  for (const [key, value] of Object.entries(next)) {
    if (key === 'AUTH_LDAP_BIND_PASSWORD_SET' || key === 'updated_at') continue;
    if (JSON.stringify(value) !== JSON.stringify((stored as unknown as Record<string, unknown>)[key])) patch[key] = value;
  }
  if (draft.clearPassword) patch.AUTH_LDAP_BIND_PASSWORD = null;
  else if (draft.bindPassword) patch.AUTH_LDAP_BIND_PASSWORD = draft.bindPassword;
  return patch as LdapSettingsPatch;
}

