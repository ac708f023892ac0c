/** `skydag ldap show|set`: settings edited in $SKYDAG_HOME, the bind password from stdin only, never printed; refusals change nothing. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './main.js';

describe('skydag ldap', () => {
  let home: string;
  const saved = process.env.SKYDAG_HOME;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'skydag-ldap-cli-'));
    process.env.SKYDAG_HOME = home;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.SKYDAG_HOME;
    else process.env.SKYDAG_HOME = saved;
    rmSync(home, { recursive: true, force: true });
  });

  async function run(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) }, { readStdin: async () => stdin });
    return { code, out, err };
  }

  it('sets keys (JSON values parsed) and the bind password from stdin, and shows them without it', async () => {
    const set = await run(
      ['ldap', 'set', 'AUTH_TYPE=LDAP', 'AUTH_LDAP_SERVER=ldap://ldap.example.com', 'AUTH_LDAP_SEARCH=ou=people,dc=example,dc=com', 'AUTH_LDAP_BIND_USER=cn=reader,dc=example,dc=com', 'AUTH_USER_REGISTRATION=true', 'AUTH_ROLES_MAPPING={"cn=ops,dc=example,dc=com":["Op"]}', '--bind-password-stdin'],
      'cli-bind-s3cret\n',
    );
    expect(set).toMatchObject({ code: 0, err: '' });
    const shown = await run(['ldap', 'show', '-o', 'json']);
    expect(JSON.parse(shown.out)).toMatchObject({ AUTH_TYPE: 'LDAP', AUTH_USER_REGISTRATION: true, AUTH_ROLES_MAPPING: { 'cn=ops,dc=example,dc=com': ['Op'] }, AUTH_LDAP_BIND_PASSWORD_SET: true });
    for (const text of [set.out, shown.out, readFileSync(join(home, 'blobs', 'auth', 'ldap.json'), 'utf8')]) expect(text).not.toContain('cli-bind-s3cret');
  });

  it('refuses a password on the command line and bad values, changing nothing', async () => {
    await run(['ldap', 'set', 'AUTH_LDAP_SERVER=ldap://ldap.example.com']);
    const before = (await run(['ldap', 'show', '-o', 'json'])).out;
    const inArgv = await run(['ldap', 'set', 'AUTH_LDAP_BIND_PASSWORD=oops']);
    expect(inArgv.code).toBe(1);
    expect(inArgv.err).toMatch(/--bind-password-stdin/);
    const bad = await run(['ldap', 'set', 'AUTH_LDAP_SEARCH=dc=x', 'AUTH_LDAP_SERVER=https://ldap.example.com']);
    expect(bad).toMatchObject({ code: 1 });
    expect(bad.err).toMatch(/ldap:\/\/ or ldaps:\/\//);
    expect((await run(['ldap', 'set'])).code).toBe(1);
    expect((await run(['ldap', 'show', '-o', 'json'])).out).toBe(before);
  });
});
