/**
 * LDAP sign-in settings (Admin; Couture's "LDAP Configuration" page): GET shows them with
 * `AUTH_LDAP_BIND_PASSWORD_SET` in place of the password; PATCH changes any subset of the
 * Flask-AppBuilder keys, checked whole (400 changes nothing). The bind password is write-only (null
 * or '' clears it), stored sealed, masked in the audit record. Sign-ins read the settings each time,
 * so a change applies to the next sign-in (the original needed a restart).
 */
import { LdapSettingsError, LDAP_SETTING_KEYS } from '../auth/ldap-settings.js';
import type { ApiDeps } from '../deps.js';
import { badRequest, notFound } from '../problem.js';
import { defineRoute } from '../route.js';
import type { JsonSchema } from '../validation.js';

function ldap(deps: ApiDeps): NonNullable<ApiDeps['ldap']> {
  if (!deps.ldap) throw notFound('Not Found', 'LDAP sign-in is not available on this deployment');
  return deps.ldap;
}

const BOOLEAN: JsonSchema = { type: 'boolean' };
const STRING: JsonSchema = { type: 'string', maxLength: 1024 };

const SETTINGS_PROPERTIES: Record<string, JsonSchema> = {
  AUTH_TYPE: { type: 'string', enum: ['DB', 'LDAP'] },
  AUTH_LDAP_SERVER: STRING,
  AUTH_LDAP_USE_TLS: BOOLEAN,
  AUTH_LDAP_ALLOW_SELF_SIGNED: BOOLEAN,
  AUTH_LDAP_BIND_USER: STRING,
  AUTH_LDAP_SEARCH: STRING,
  AUTH_LDAP_SEARCH_FILTER: STRING,
  AUTH_LDAP_UID_FIELD: STRING,
  AUTH_LDAP_GROUP_FIELD: STRING,
  AUTH_LDAP_FIRSTNAME_FIELD: STRING,
  AUTH_LDAP_LASTNAME_FIELD: STRING,
  AUTH_LDAP_EMAIL_FIELD: STRING,
  AUTH_ROLES_MAPPING: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
  AUTH_ROLES_SYNC_AT_LOGIN: BOOLEAN,
  AUTH_USER_REGISTRATION: BOOLEAN,
  AUTH_USER_REGISTRATION_ROLE: STRING,
  AUTH_LDAP_TIMEOUT: { type: 'number' },
};

const PATCH_BODY: JsonSchema = {
  type: 'object',
  properties: { ...SETTINGS_PROPERTIES, AUTH_LDAP_BIND_PASSWORD: { type: ['string', 'null'], maxLength: 1024 } },
  additionalProperties: false,
};

const SETTINGS_RESPONSE: JsonSchema = {
  type: 'object',
  properties: { ...SETTINGS_PROPERTIES, AUTH_LDAP_BIND_PASSWORD_SET: BOOLEAN, updated_at: { type: ['string', 'null'] } },
  required: [...LDAP_SETTING_KEYS.filter((k) => k !== 'AUTH_LDAP_BIND_PASSWORD'), 'AUTH_LDAP_BIND_PASSWORD_SET', 'updated_at'],
};

export const ldapRoutes = [
  defineRoute({
    id: 'get_ldap_settings',
    method: 'GET',
    path: '/api/v1/ldapSettings',
    access: { permissions: ['read:ldap_settings'] },
    dags: 'none',
    summary: 'The LDAP sign-in settings (Flask-AppBuilder AUTH_* keys; the bind password is never shown) (skydag).',
    response: SETTINGS_RESPONSE,
    async handle({ deps }) {
      return ldap(deps).view();
    },
  }),
  defineRoute<Record<string, never>, Record<string, unknown>>({
    id: 'patch_ldap_settings',
    method: 'PATCH',
    path: '/api/v1/ldapSettings',
    access: { permissions: ['edit:ldap_settings'] },
    dags: 'none',
    summary: 'Change LDAP sign-in settings; AUTH_LDAP_BIND_PASSWORD is write-only (null clears it) (skydag).',
    body: PATCH_BODY,
    response: SETTINGS_RESPONSE,
    audit: {
      event: 'ldap_settings.update',
      extra: ({ body }) => ({ ...body, ...(body && 'AUTH_LDAP_BIND_PASSWORD' in body ? { AUTH_LDAP_BIND_PASSWORD: '***' } : {}) }),
    },
    async handle({ deps, body }) {
      try {
        return await ldap(deps).update(body);
      } catch (error) {
        if (error instanceof LdapSettingsError) throw badRequest(error.message);
        throw error;
      }
    },
  }),
];
