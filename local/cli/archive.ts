/**
 * `skydag export <file>` and `skydag import <file> [--apply]`: the platform archive (POST
 * /api/v1/export and /api/v1/import) from the command line, against the local store of $SKYDAG_HOME
 * (an import writes DAG files into the DAGs folder) or a deployed API (--api). The passphrase that
 * seals secrets is read from stdin only (never argv, which `ps` and shell history show).
 */
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import type { ImportReport } from '../../shared/transfer/import.js';
import { PASSPHRASE_HEADER } from '../../shared/transfer/layout.js';
import { request } from './api-client.js';
import { outputOption, render, withClient, withTarget, type CommandContext, type OutputFormat } from './output.js';
import { UsageError } from './run-commands.js';
import { writeFileAtomic } from '../atomic-file.js';

async function passphraseFrom(ctx: CommandContext, wanted: boolean | undefined): Promise<string | undefined> {
  if (!wanted) return undefined;
  const line = (await ctx.readStdin()).split(/\r?\n/)[0] ?? '';
  if (!line) throw new UsageError('--passphrase-stdin: stdin holds no passphrase');
  return line;
}

function showReport(ctx: CommandContext, report: ImportReport, format: OutputFormat): void {
  if (format === 'json') {
    ctx.io.out(JSON.stringify(report, null, 2));
    return;
  }
  const rows = Object.entries(report.changes).map(([kind, c]) => ({ kind, ...c }));
  const names = (list: string[]) => (list.length > 8 ? `${list.slice(0, 8).join(', ')} … (+${list.length - 8})` : list.join(', '));
  ctx.io.out(
    render(format, rows, [
      { header: 'kind', value: (r) => r.kind },
      { header: 'create', value: (r) => names(r.create) },
      { header: 'update', value: (r) => names(r.update) },
      { header: 'unchanged', value: (r) => String(r.unchanged.length) },
    ]),
  );
  for (const line of report.notes) ctx.io.out(`note: ${line}`);
  ctx.io.out(report.applied ? 'imported.' : 'dry run: nothing was changed (run again with --apply to import).');
}

export function registerArchiveCommands(program: Command, ctx: CommandContext): void {
  withTarget(program.command('export'), ctx)
    .argument('<file>', 'the .tar.gz to write')
    .option('--passphrase-stdin', 'seal secrets (variable values, connection passwords and extras, keytabs, Livy passwords) with a passphrase read from stdin; without it they are left out')
    .description('export the platform (DAG files and their versions, config groups, artifacts, variables, connections, pools, roles, users without passwords) as a tar.gz')
    .addHelpText('after', '\nExamples:\n  skydag export backup.tar.gz\n  printf %s "$PASSPHRASE" | skydag export --passphrase-stdin backup.tar.gz')
    .action(async function (this: Command, file: string) {
      const o = this.opts<{ passphraseStdin?: boolean }>();
      const passphrase = await passphraseFrom(ctx, o.passphraseStdin);
      await withClient(this, ctx, async (client) => {
        const archive = await request<Buffer>(client, 'POST', '/api/v1/export', { body: passphrase === undefined ? {} : { passphrase } });
        if (!Buffer.isBuffer(archive)) throw new UsageError('the API did not answer with an archive');
        await writeFileAtomic(file, archive, { mode: 0o600 });
        ctx.io.out(`exported ${client.target} to ${file} (${archive.length} bytes; secrets ${passphrase === undefined ? 'left out' : 'sealed with the passphrase'})`);
      });
    });
  withTarget(program.command('import'), ctx)
    .argument('<file>', 'a .tar.gz made by skydag export')
    .option('--apply', 'import it (all or nothing); without it, only show what would change')
    .option('--passphrase-stdin', "read the passphrase of the archive's sealed secrets from stdin")
    .addOption(outputOption())
    .description('import a platform archive: checked whole, shown as a dry run, applied with --apply')
    .addHelpText('after', '\nExamples:\n  skydag import backup.tar.gz\n  printf %s "$PASSPHRASE" | skydag import --passphrase-stdin --apply backup.tar.gz')
    .action(async function (this: Command, file: string) {
      const o = this.opts<{ apply?: boolean; passphraseStdin?: boolean; output: OutputFormat }>();
      const data = await readFile(file).catch((error: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
      });
      const passphrase = await passphraseFrom(ctx, o.passphraseStdin);
      await withClient(this, ctx, async (client) => {
        const report = await request<ImportReport>(client, 'POST', '/api/v1/import', {
          query: { dry_run: !o.apply },
          raw: { data, contentType: 'application/gzip' },
          ...(passphrase === undefined ? {} : { headers: { [PASSPHRASE_HEADER]: passphrase } }),
        });
        showReport(ctx, report, o.output);
      });
    });
}
