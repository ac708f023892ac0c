/**
 * `skydag login --api URL --username NAME` signs in to a deployed API (POST /api/v1/auth/login) and
 * saves the bearer token for that URL (credentials.ts, 0600); the other commands send it with --api.
 * `skydag logout --api URL` forgets it. The password is read from stdin (first line), never from an
 * argument (it would show in the process list and the shell history).
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { normaliseApiUrl } from './api-client.js';
import { forgetToken, saveToken } from './credentials.js';
import type { CommandContext } from './output.js';
import { UsageError } from './io.js';

export function registerLoginCommands(program: Command, ctx: CommandContext): void {
  program
    .command('login')
    .description('sign in to a deployed skydag API and keep the token (0600, in $SKYDAG_CONFIG_DIR or ~/.config/skydag) for --api')
    .addOption(new Option('--api <url>', 'the API, e.g. https://skydag.example.com').env('SKYDAG_API_URL').makeOptionMandatory())
    .requiredOption('-u, --username <name>', 'your skydag user name')
    .option('--password-stdin', 'read the password from stdin (the default when stdin is not a terminal)')
    .addHelpText('after', '\nExamples:\n  printf %s "$SKYDAG_PASSWORD" | skydag login --api https://skydag.example.com -u alice --password-stdin\n  skydag variables list --api https://skydag.example.com')
    .action(async function (this: Command) {
      const o = this.opts<{ api: string; username: string }>();
      const base = normaliseApiUrl(o.api);
      const password = (await ctx.readStdin()).split(/\r?\n/)[0] ?? '';
      if (!password) throw new UsageError('no password on stdin: pipe it in, e.g. printf %s "$SKYDAG_PASSWORD" | skydag login ... --password-stdin');
      const response = await (ctx.fetch ?? fetch)(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ username: o.username, password }),
      });
      const body = (await response.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; detail?: string };
      if (!response.ok || typeof body.access_token !== 'string') {
        ctx.io.err(`error: ${base} refused the sign-in (${response.status}${body.detail ? `: ${body.detail}` : ''})`);
        return ctx.setExit(1);
      }
      const expires = new Date(Date.now() + (body.expires_in ?? 0) * 1000).toISOString();
      const file = await saveToken(base, { token: body.access_token, username: o.username, expires_at: expires });
      ctx.io.out(`signed in to ${base} as ${o.username} until ${expires}; token saved in ${file}`);
      ctx.setExit(0);
    });

  program
    .command('logout')
    .description('forget the token saved for an API')
    .addOption(new Option('--api <url>', 'the API').env('SKYDAG_API_URL').makeOptionMandatory())
    .action(async function (this: Command) {
      const base = normaliseApiUrl(this.opts<{ api: string }>().api);
      ctx.io.out((await forgetToken(base)) ? `signed out of ${base}` : `no token saved for ${base}`);
      ctx.setExit(0);
    });
}
