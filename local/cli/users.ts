/**
 * `skydag users create|list|reset-password`: managing local users from the command line (Airflow's
 * `airflow users ...`), e.g. to get back in when the admin password is lost. They work on the store of
 * `$SKYDAG_HOME` whether or not `skydag dev` is running (through its endpoint when it is). A new or
 * reset password is read from stdin with --password-stdin, or generated and printed once.
 */
import type { Command } from 'commander';
import type { UserRecord } from '../../shared/model/records.js';
import { generatePassword, hashPassword, passwordProblem } from '../../shared/api/auth/passwords.js';
import { isRoleName, ROLES } from '../../shared/api/auth/permissions.js';
import { userSubject } from '../../shared/api/auth/throttle.js';
import type { MetadataStore } from '../../shared/stores/metadata.js';
import { table, UsageError, type CliIO } from './io.js';

export interface UsersCommandContext {
  io: CliIO;
  setExit(code: number): void;
  home(): string;
  readStdin(): Promise<string>;
  clock?: () => Date;
}

async function withStore<T>(home: string, work: (store: MetadataStore) => Promise<T>): Promise<T> {
  // The store (AWS SDK, dynalite) loads when a users command runs, not at every CLI start.
  const { openLocalStore } = await import('../stores/embedded-dynamodb.js');
  const local = await openLocalStore(home);
  try {
    return await work(local.store);
  } finally {
    await local.close();
  }
}

/** The password to set: from stdin (first line, as `docker login --password-stdin` reads it), or generated. */
async function newPassword(ctx: UsersCommandContext, fromStdin: boolean | undefined): Promise<{ password: string; generated: boolean }> {
  if (!fromStdin) return { password: generatePassword(), generated: true };
  const password = (await ctx.readStdin()).split(/\r?\n/)[0] ?? '';
  const problem = passwordProblem(password);
  if (problem) throw new UsageError(`the password read from stdin is not acceptable: ${problem}`);
  return { password, generated: false };
}

export function registerUsersCommands(program: Command, ctx: UsersCommandContext): void {
  const users = program.command('users').description('manage the users of the local platform ($SKYDAG_HOME), as `airflow users` does');
  const now = () => (ctx.clock ?? (() => new Date()))();

  users
    .command('list')
    .description('list users with their roles')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async function (this: Command) {
      const { output } = this.opts<{ output: string }>();
      if (output !== 'table' && output !== 'json') throw new UsageError(`--output must be table or json, not '${output}'`);
      const list = await withStore(ctx.home(), async (store) => (await store.listUsers()).items);
      if (output === 'json') {
        ctx.io.out(JSON.stringify(list.map(({ password_hash: _hash, ...rest }) => rest), null, 2));
      } else {
        ctx.io.out(table(['USERNAME', 'EMAIL', 'ROLES', 'ACTIVE', 'LAST_LOGIN'], list.map((u) => [u.username, u.email, u.roles.join(','), String(u.active), u.last_login ?? ''])));
      }
      ctx.setExit(0);
    });

  users
    .command('create')
    .argument('<username>')
    .requiredOption('-r, --role <role>', `role (${ROLES.join(', ')}, or a custom role)`)
    .option('-e, --email <email>', 'email (default: <username>@localhost)')
    .option('-f, --firstname <name>', 'first name', '')
    .option('-l, --lastname <name>', 'last name', '')
    .option('--password-stdin', 'read the password from stdin instead of generating one')
    .description('create a user; prints a generated password once unless --password-stdin')
    .addHelpText('after', '\nExamples:\n  skydag users create alice --role Op --email alice@example.com\n  printf %s "$PASSWORD" | skydag users create bob --role Viewer --password-stdin')
    .action(async function (this: Command, username: string) {
      const o = this.opts<{ role: string; email?: string; firstname: string; lastname: string; passwordStdin?: boolean }>();
      const { USERNAME_PATTERN } = await import('../../shared/api/auth/users.js');
      if (!USERNAME_PATTERN.test(username)) throw new UsageError(`invalid username '${username}': use letters, digits and _ . @ + - (at most 256)`);
      const email = o.email ?? `${username}@localhost`;
      const { password, generated } = await newPassword(ctx, o.passwordStdin);
      await withStore(ctx.home(), async (store) => {
        if (!isRoleName(o.role) && !(await store.getRole(o.role))) {
          const custom = (await store.listRoles()).items.map((r) => r.name);
          throw new UsageError(`unknown role '${o.role}' (known: ${[...ROLES, ...custom].join(', ')})`);
        }
        if (await store.getUser(username)) throw new UsageError(`user '${username}' already exists (reset its password with: skydag users reset-password ${username})`);
        if ((await store.listUsers()).items.some((u) => u.email.toLowerCase() === email.toLowerCase())) throw new UsageError(`the email '${email}' is already taken`);
        const at = now().toISOString();
        const user: UserRecord = {
          username,
          email,
          first_name: o.firstname,
          last_name: o.lastname,
          password_hash: await hashPassword(password),
          roles: [o.role],
          active: true,
          created_on: at,
          changed_on: at,
          last_login: null,
        };
        await store.putUser(user, { createOnly: true });
      });
      ctx.io.out(`created user '${username}' with role ${o.role}`);
      if (generated) ctx.io.out(`password: ${password}\n(shown once; change it with: skydag users reset-password ${username} --password-stdin)`);
      ctx.setExit(0);
    });

  users
    .command('reset-password')
    .argument('<username>')
    .option('--password-stdin', 'read the new password from stdin instead of generating one')
    .description("set a user's password: signs them out everywhere and lifts a sign-in lockout; prints a generated password once unless --password-stdin")
    .addHelpText('after', '\nExamples:\n  skydag users reset-password admin\n  printf %s "$NEW_PASSWORD" | skydag users reset-password admin --password-stdin')
    .action(async function (this: Command, username: string) {
      const { nextChangedOn } = await import('../../shared/api/auth/users.js');
      const o = this.opts<{ passwordStdin?: boolean }>();
      const { password, generated } = await newPassword(ctx, o.passwordStdin);
      await withStore(ctx.home(), async (store) => {
        const user = await store.getUser(username);
        if (!user) throw new UsageError(`no user '${username}' (list them with: skydag users list)`);
        // A new changed_on revokes every token issued before; the lockout goes with the old password.
        await store.putUser({ ...user, password_hash: await hashPassword(password), changed_on: nextChangedOn(user.changed_on, now()) });
        await store.clearSignInFailures(userSubject(username));
      });
      ctx.io.out(`password of '${username}' reset; tokens issued before are no longer accepted`);
      if (generated) ctx.io.out(`password: ${password}\n(shown once)`);
      ctx.setExit(0);
    });
}
