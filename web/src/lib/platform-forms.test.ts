import type { LdapSettings } from '../api/platform-endpoints';
import { draftOf, ldapPatch, mappingOf, mappingPairs } from './ldap-form';
import { duplicateNames, pairsOf, recordOf } from './pairs';
import { cleanEngine, engineOfType, engineSummary, groupNameProblem } from './spark-groups';

const STORED: LdapSettings = {
  AUTH_TYPE: 'DB',
  AUTH_LDAP_SERVER: '',
  AUTH_LDAP_USE_TLS: false,
  AUTH_LDAP_ALLOW_SELF_SIGNED: false,
  AUTH_LDAP_BIND_USER: '',
  AUTH_LDAP_SEARCH: '',
  AUTH_LDAP_SEARCH_FILTER: '',
  AUTH_LDAP_UID_FIELD: 'uid',
  AUTH_LDAP_GROUP_FIELD: 'memberOf',
  AUTH_LDAP_FIRSTNAME_FIELD: 'givenName',
  AUTH_LDAP_LASTNAME_FIELD: 'sn',
  AUTH_LDAP_EMAIL_FIELD: 'mail',
  AUTH_ROLES_MAPPING: { 'cn=admins,dc=x': ['Admin'] },
  AUTH_ROLES_SYNC_AT_LOGIN: false,
  AUTH_USER_REGISTRATION: false,
  AUTH_USER_REGISTRATION_ROLE: 'Public',
  AUTH_LDAP_TIMEOUT: 10,
  AUTH_LDAP_BIND_PASSWORD_SET: true,
  updated_at: null,
};

describe('pairs', () => {
  it('keeps order, drops rows without a name, trims names, and names duplicates', () => {
    const pairs = pairsOf({ master: 'yarn', 'deploy-mode': 'cluster' });
    expect(pairs).toEqual([['master', 'yarn'], ['deploy-mode', 'cluster']]);
    expect(recordOf([...pairs, ['', 'orphan'], [' queue ', 'etl']])).toEqual({ master: 'yarn', 'deploy-mode': 'cluster', queue: 'etl' });
    expect(duplicateNames([['a', '1'], ['b', '2'], [' a', '3'], ['', ''], ['', '']])).toEqual(['a']);
  });
});

describe('LDAP form', () => {
  it('sends nothing when nothing changed, and keeps the stored bind password unless told', () => {
    expect(ldapPatch(STORED, draftOf(STORED))).toEqual({});
  });
  it('sends only the changed keys, the mapping as lists of roles, and the password when typed or cleared', () => {
    const draft = draftOf(STORED);
    draft.settings = { ...draft.settings, AUTH_TYPE: 'LDAP', AUTH_LDAP_SERVER: 'ldaps://dir:636' };
    draft.mapping = [...draft.mapping, ['cn=ops,dc=x', 'Op, Viewer ,']];
    draft.timeout = '5';
    draft.bindPassword = 'pw';
    expect(ldapPatch(STORED, draft)).toEqual({
      AUTH_TYPE: 'LDAP',
      AUTH_LDAP_SERVER: 'ldaps://dir:636',
      AUTH_ROLES_MAPPING: { 'cn=admins,dc=x': ['Admin'], 'cn=ops,dc=x': ['Op', 'Viewer'] },
      AUTH_LDAP_TIMEOUT: 5,
      AUTH_LDAP_BIND_PASSWORD: 'pw',
    });
    expect(ldapPatch(STORED, { ...draftOf(STORED), clearPassword: true, bindPassword: 'ignored' })).toEqual({ AUTH_LDAP_BIND_PASSWORD: null });
  });
  it('round-trips the group → roles mapping', () => {
    expect(mappingOf(mappingPairs(STORED.AUTH_ROLES_MAPPING))).toEqual(STORED.AUTH_ROLES_MAPPING);
  });
});

describe('Spark config group words', () => {
  it('says where a group runs', () => {
    expect(engineSummary({ type: 'local' })).toBe('spark-submit on this machine');
    expect(engineSummary({ type: 'emr', cluster_id: 'j-1' })).toBe('EMR cluster j-1');
    expect(engineSummary({ type: 'livy', url: 'http://l:8998', auth: 'basic', username: 'u' })).toBe('Livy at http://l:8998 (as u)');
  });
  it('switching engine keeps fields in common and starts the rest empty; empty optionals are not sent', () => {
    const livy = engineOfType('livy', { type: 'emr', cluster_id: 'j-1' });
    expect(livy).toEqual({ type: 'livy', url: '', auth: 'none' });
    expect(engineOfType('emr', { type: 'emr', cluster_id: 'j-9' })).toEqual({ type: 'emr', cluster_id: 'j-9' });
    expect(cleanEngine({ type: 'livy', url: 'http://l', auth: 'none', proxy_user: '' })).toEqual({ type: 'livy', url: 'http://l', auth: 'none' });
  });
  it('checks a new group name as the server does', () => {
    expect(groupNameProblem('')).toMatch(/required/);
    expect(groupNameProblem('emr-prod_(eu)@1')).toBeNull();
    expect(groupNameProblem('../etc')).toMatch(/letters/);
  });
});
