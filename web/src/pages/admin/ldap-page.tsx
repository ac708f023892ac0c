/**
 * LDAP sign-in settings (Admin; Couture's "LDAP Configuration"), as Flask-AppBuilder's AUTH_* keys
 * the original used: the server, TLS, bind user and password (write-only), search base and filter,
 * which attributes hold the uid, names, email and groups, group → role mapping, and self-registration.
 * Only changed keys are sent; the server checks the result whole and refuses with a message, changing
 * nothing. A change applies at the next sign-in.
 */
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { errorMessage } from '../../api/client';
import { getLdapSettings, patchLdapSettings, type LdapSettings, type LdapSettingsPatch } from '../../api/platform-endpoints';
import { useSession } from '../../auth/session';
import { PairsEditor } from '../../components/pairs-editor';
import { ErrorBox, Loading } from '../../components/status';
import { draftOf, ldapPatch, type LdapDraft as Draft } from '../../lib/ldap-form';
import { formatDateTime } from '../../lib/time';

type TextKey =
  | 'AUTH_LDAP_SERVER'
  | 'AUTH_LDAP_BIND_USER'
  | 'AUTH_LDAP_SEARCH'
  | 'AUTH_LDAP_SEARCH_FILTER'
  | 'AUTH_LDAP_UID_FIELD'
  | 'AUTH_LDAP_GROUP_FIELD'
  | 'AUTH_LDAP_FIRSTNAME_FIELD'
  | 'AUTH_LDAP_LASTNAME_FIELD'
  | 'AUTH_LDAP_EMAIL_FIELD'
  | 'AUTH_USER_REGISTRATION_ROLE';
type FlagKey = 'AUTH_LDAP_USE_TLS' | 'AUTH_LDAP_ALLOW_SELF_SIGNED' | 'AUTH_ROLES_SYNC_AT_LOGIN' | 'AUTH_USER_REGISTRATION';

const TEXT_FIELDS: { key: TextKey; label: string; placeholder?: string }[] = [
  { key: 'AUTH_LDAP_SERVER', label: 'Server', placeholder: 'ldaps://ldap.example.com:636' },
  { key: 'AUTH_LDAP_BIND_USER', label: 'Bind user', placeholder: 'cn=reader,dc=example,dc=com' },
  { key: 'AUTH_LDAP_SEARCH', label: 'Search base', placeholder: 'ou=people,dc=example,dc=com' },
  { key: 'AUTH_LDAP_SEARCH_FILTER', label: 'Search filter', placeholder: '(memberOf=cn=airflow,ou=groups,dc=example,dc=com)' },
  { key: 'AUTH_LDAP_UID_FIELD', label: 'UID attribute', placeholder: 'uid' },
  { key: 'AUTH_LDAP_GROUP_FIELD', label: 'Group attribute', placeholder: 'memberOf' },
  { key: 'AUTH_LDAP_FIRSTNAME_FIELD', label: 'First name attribute', placeholder: 'givenName' },
  { key: 'AUTH_LDAP_LASTNAME_FIELD', label: 'Last name attribute', placeholder: 'sn' },
  { key: 'AUTH_LDAP_EMAIL_FIELD', label: 'Email attribute', placeholder: 'mail' },
  { key: 'AUTH_USER_REGISTRATION_ROLE', label: 'Role of self-registered users', placeholder: 'Viewer' },
];

const FLAGS: { key: FlagKey; label: string }[] = [
  { key: 'AUTH_LDAP_USE_TLS', label: 'StartTLS on ldap://' },
  { key: 'AUTH_LDAP_ALLOW_SELF_SIGNED', label: 'Accept a self-signed server certificate' },
  { key: 'AUTH_USER_REGISTRATION', label: 'Create a user at first sign-in (self-registration)' },
  { key: 'AUTH_ROLES_SYNC_AT_LOGIN', label: 'Replace roles from the directory at each sign-in' },
];

export function LdapPage() {
  const settings = useQuery({ queryKey: ['ldap-settings'], queryFn: getLdapSettings });
  if (settings.isPending) return <Loading what="LDAP settings" />;
  if (settings.isError) return <ErrorBox error={settings.error} />;
  return <LdapForm stored={settings.data} />;
}

function LdapForm({ stored }: { stored: LdapSettings }) {
  const session = useSession();
  const canEdit = session.can('edit:ldap_settings');
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => draftOf(stored));
  const save = useMutation({
    mutationFn: (patch: LdapSettingsPatch) => patchLdapSettings(patch),
    onSuccess: (next) => {
      queryClient.setQueryData(['ldap-settings'], next);
      setDraft(draftOf(next));
    },
  });
  const s = draft.settings;
  const set = (change: Partial<LdapSettings>) => setDraft({ ...draft, settings: { ...s, ...change } });
  const patch = ldapPatch(stored, draft);
  const timeoutOk = /^\d+(\.\d+)?$/.test(draft.timeout.trim());
  return (
    <div className="page">
      <div className="page-head">
        <h1>LDAP sign-in</h1>
        <span className="grow" />
        <span className="muted small">{stored.updated_at ? `changed ${formatDateTime(stored.updated_at)}` : 'never changed'}</span>
      </div>
      <p className="muted small">
        With LDAP on, users sign in with their directory password; users created here (database users) keep signing in as before. Changes apply at the next sign-in. The bind password is stored sealed and never
        shown.
      </p>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(patch);
        }}
      >
        <fieldset className="stack" disabled={!canEdit}>
          <div className="form-grid roomy">
            <label className="field">
              <span>Sign-in method</span>
              <select value={s.AUTH_TYPE} onChange={(e) => set({ AUTH_TYPE: e.target.value as 'DB' | 'LDAP' })}>
                <option value="DB">Database users only</option>
                <option value="LDAP">LDAP directory (and database users)</option>
              </select>
            </label>
            {TEXT_FIELDS.map(({ key, label, placeholder }) => (
              <label className="field" key={key}>
                <span>{label}</span>
                <input className="mono" value={s[key]} placeholder={placeholder} onChange={(e) => set({ [key]: e.target.value })} />
              </label>
            ))}
            <label className="field">
              <span>
                Bind password <span className="hint">({s.AUTH_LDAP_BIND_PASSWORD_SET ? 'set; leave empty to keep it' : 'not set'})</span>
              </span>
              <input type="password" autoComplete="new-password" value={draft.bindPassword ?? ''} disabled={draft.clearPassword} onChange={(e) => setDraft({ ...draft, bindPassword: e.target.value || undefined })} />
              {s.AUTH_LDAP_BIND_PASSWORD_SET ? (
                <label className="check small">
                  <input type="checkbox" checked={draft.clearPassword} onChange={(e) => setDraft({ ...draft, clearPassword: e.target.checked, bindPassword: undefined })} /> clear the stored password
                </label>
              ) : null}
            </label>
            <label className="field">
              <span>
                Timeout <span className="hint">(seconds)</span>
              </span>
              <input value={draft.timeout} inputMode="decimal" aria-invalid={!timeoutOk} onChange={(e) => setDraft({ ...draft, timeout: e.target.value })} />
            </label>
          </div>
          <div className="stack">
            {FLAGS.map(({ key, label }) => (
              <label className="check" key={key}>
                <input type="checkbox" checked={s[key]} onChange={(e) => set({ [key]: e.target.checked })} /> {label}
              </label>
            ))}
          </div>
          <PairsEditor label="Group to roles mappings" pairs={draft.mapping} onChange={(mapping) => setDraft({ ...draft, mapping })} namePlaceholder="cn=admins,ou=groups,dc=example,dc=com" valuePlaceholder="Admin, Op" />
        </fieldset>
        {save.isError ? <div className="callout error" role="alert">Not saved: {errorMessage(save.error)}</div> : null}
        {save.isSuccess ? <div className="callout ok" role="status">Saved. The next sign-in uses these settings.</div> : null}
        {canEdit ? (
          <div className="row">
            <button type="submit" className="button primary" disabled={save.isPending || !timeoutOk || Object.keys(patch).length === 0}>
              {save.isPending ? 'Saving…' : 'Save'}
            </button>
            {Object.keys(patch).length ? <span className="muted small">Changed: {Object.keys(patch).join(', ')}</span> : null}
          </div>
        ) : null}
      </form>
    </div>
  );
}
