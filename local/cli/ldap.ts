/**
 * `skydag ldap show|set`: the local-mode counterpart of PATCH /api/v1/ldapSettings (Couture's "LDAP
 * Configuration" page). It edits `$SKYDAG_HOME/blobs/auth/ldap.json` directly, so it works whether or
 * not `skydag dev` runs (sign-ins read the settings each time). The bind password is read from stdin
 * only (never argv, which `ps` and shell history show) and is never printed.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { LdapSettingsError, LdapSettingsStore, LDAP_SETTING_KEYS, type PublicLdapSettings } from '../../shared/api/auth/ldap-settings.js';
import { loadLocalSecrets } from '../http/secret-key.js';
import { FsBlobStore } from '../stores/fs-blob-store.js';
import { table, type CliIO } from './io.js';
import { UsageError } from './io.js';

export interface LdapCommandContext {
  io: CliIO;
  setExit(code: number): void;
  home(): string;
  readStdin(): Promise<string>;
}

function openSettings(home: string): LdapSettingsStore {
  return new LdapSettingsStore(new FsBlobStore(join(home, 'blobs')), loadLocalSecrets(home).cipher);
}

/** `KEY=VALUE`: the value as JSON when it parses (true, 10, {"cn=ops,...": ["Op"]}), else as text. */
export function parseAssignment(assignment: string): [string, unknown] {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UsageError(`'${assignment.slice(0, 80)}' is not KEY=VALUE`);
  const key = assignment.slice(0, eq);
  if (key === 'AUTH_LDAP_BIND_PASSWORD') throw new UsageError('pass the bind password on stdin with --bind-password-stdin, not on the command line');
  const raw = assignment.slice(eq + 1);
  try {
    return [key, JSON.parse(raw)];
  } catch {
    return [key, raw];
  }
}

function show(io: CliIO, view: PublicLdapSettings, format: string): void {
  if (format === 'json') io.out(JSON.stringify(view, null, 2));
  else io.out(table(['KEY', 'VALUE'], Object.entries(view).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])));
}

export function registerLdapCommands(program: Command, ctx: LdapCommandContext): void {
  const ldap = program.command('ldap').description('LDAP sign-in settings of the local platform (Flask-AppBuilder AUTH_* keys)');
  ldap
    .command('show')
    .option('-o, --output <format>', 'table or json', 'table')
    .description('print the settings (the bind password only as AUTH_LDAP_BIND_PASSWORD_SET)')
    .action(async function (this: Command) {
      show(ctx.io, await openSettings(ctx.home()).view(), this.opts<{ output: string }>().output);
      ctx.setExit(0);
    });
  ldap
    .command('set')
    .argument('[assignments...]', `KEY=VALUE pairs, keys among ${LDAP_SETTING_KEYS.filter((k) => k !== 'AUTH_LDAP_BIND_PASSWORD').join(', ')}`)
    .option('--bind-password-stdin', 'read AUTH_LDAP_BIND_PASSWORD from stdin (first line; empty clears it)')
    .option('-o, --output <format>', 'table or json', 'table')
    .description('change settings; all are checked first, and nothing changes when one is wrong')
    .addHelpText(
      'after',
      '\nExample:\n  printf %s "$BIND_PW" | skydag ldap set AUTH_TYPE=LDAP AUTH_LDAP_SERVER=ldaps://ldap.example.com AUTH_LDAP_SEARCH=ou=people,dc=example,dc=com \\\n    AUTH_LDAP_BIND_USER=cn=reader,dc=example,dc=com AUTH_USER_REGISTRATION=true AUTH_USER_REGISTRATION_ROLE=Viewer \\\n    \'AUTH_ROLES_MAPPING={"cn=ops,dc=example,dc=com":["Op"]}\' --bind-password-stdin',
    )
    .action(async function (this: Command, assignments: string[]) {
      const o = this.opts<{ bindPasswordStdin?: boolean; output: string }>();
      const patch: Record<string, unknown> = Object.fromEntries(assignments.map(parseAssignment));
      if (o.bindPasswordStdin) patch.AUTH_LDAP_BIND_PASSWORD = (await ctx.readStdin()).split(/\r?\n/)[0] ?? '';
      if (Object.keys(patch).length === 0) throw new UsageError('nothing to set: give KEY=VALUE pairs or --bind-password-stdin');
      try {
        show(ctx.io, await openSettings(ctx.home()).update(patch), o.output);
      } catch (error) {
        if (error instanceof LdapSettingsError) throw new UsageError(error.message);
        throw error;
      }
      ctx.setExit(0);
    });
}
