/**
 * `skydag artifacts upload|list|delete` and `skydag config-groups list|show|set-default|import|export|delete`:
 * the local-mode counterparts of the console's Code Artifacts, Spark Dependencies and Config Groups
 * pages. They work on `$SKYDAG_HOME/blobs` directly, so they work whether or not `skydag dev` runs
 * (a running platform reads groups and artifacts when each Spark task starts).
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { ArtifactNotFoundError } from '../../shared/spark/artifacts.js';
import { ConfigGroupNotFoundError, publicView, type GroupSecretsChange } from '../../shared/spark/config-groups.js';
import { exportConfigGroups, importConfigGroups, isTarGz } from '../../shared/spark/archive.js';
import { checkArtifactKind, SparkInputError } from '../../shared/spark/names.js';
import { openLocalSparkStores } from '../stores/spark-stores.js';
import { table, type CliIO } from './io.js';
import { UsageError } from './io.js';

export interface SparkCommandContext {
  io: CliIO;
  setExit(code: number): void;
  home(): string;
  readStdin(): Promise<string>;
}

/** Input problems are one-line CLI errors (exit 1), as for every other command. */
async function userErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof SparkInputError || error instanceof ArtifactNotFoundError || error instanceof ConfigGroupNotFoundError) throw new UsageError(error.message);
    throw error;
  }
}

const output = (value: string | undefined): 'table' | 'json' => {
  if (value !== 'table' && value !== 'json') throw new UsageError(`--output must be table or json, not '${value}'`);
  return value;
};

export function registerSparkCommands(program: Command, ctx: SparkCommandContext): void {
  const stores = () => openLocalSparkStores(ctx.home());

  const artifacts = program.command('artifacts').description('code artifacts and Spark dependencies (.jar, .py, .zip, .egg) of the local platform');
  artifacts
    .command('upload')
    .argument('<file>')
    .option('-k, --kind <kind>', 'code (a code_artifact) or dependency (for a group\'s jars / py-files)', 'code')
    .option('-n, --name <name>', 'name to store it under (default: the file name)')
    .description('upload (or replace) an artifact')
    .action(async function (this: Command, file: string) {
      const o = this.opts<{ kind: string; name?: string }>();
      await userErrors(async () => {
        const kind = checkArtifactKind(o.kind);
        const store = stores().artifacts;
        const info = await stat(file).catch(() => undefined);
        if (!info?.isFile()) throw new UsageError(`'${file}' is not a file`);
        if (info.size > store.maxBytes) throw new UsageError(`${file}: ${info.size} bytes is more than the ${Math.floor(store.maxBytes / 1024 / 1024)} MiB an artifact may have`);
        const saved = await store.upload(kind, o.name ?? basename(file), await readFile(file));
        ctx.io.out(`uploaded ${saved.kind} artifact '${saved.name}' (${saved.size} bytes)`);
      });
      ctx.setExit(0);
    });
  artifacts
    .command('list')
    .option('-k, --kind <kind>', 'only code or dependency')
    .option('-o, --output <format>', 'table or json', 'table')
    .description('list artifacts')
    .action(async function (this: Command) {
      const o = this.opts<{ kind?: string; output: string }>();
      const format = output(o.output);
      const list = await userErrors(() => stores().artifacts.list(o.kind === undefined ? undefined : checkArtifactKind(o.kind)));
      ctx.io.out(format === 'json' ? JSON.stringify(list, null, 2) : table(['KIND', 'NAME', 'SIZE', 'LAST_MODIFIED'], list.map((a) => [a.kind, a.name, String(a.size), a.last_modified])));
      ctx.setExit(0);
    });
  artifacts
    .command('delete')
    .argument('<name>')
    .option('-k, --kind <kind>', 'code or dependency', 'code')
    .description('delete an artifact')
    .action(async function (this: Command, name: string) {
      const o = this.opts<{ kind: string }>();
      await userErrors(() => stores().artifacts.delete(checkArtifactKind(o.kind), name));
      ctx.io.out(`deleted ${o.kind} artifact '${name}'`);
      ctx.setExit(0);
    });

  const groups = program.command('config-groups').description('Spark/Hadoop config groups of the local platform (engine, Spark arguments and configurations, Hadoop XML, Kerberos, Livy)');
  groups
    .command('list')
    .option('-o, --output <format>', 'table or json', 'table')
    .description('list config groups; the default is marked')
    .action(async function (this: Command) {
      const format = output(this.opts<{ output: string }>().output);
      const { groups: store } = stores();
      const fallback = await store.defaultName();
      const list = (await store.list()).map((g) => publicView(g, fallback));
      ctx.io.out(format === 'json' ? JSON.stringify(list, null, 2) : table(['NAME', 'DEFAULT', 'ENGINE', 'DESCRIPTION'], list.map((g) => [g.name, g.is_default ? '*' : '', g.engine.type, g.description])));
      ctx.setExit(0);
    });
  groups
    .command('show')
    .argument('<name>')
    .description('show a config group as JSON (secrets are never shown, only whether they are set)')
    .action(async (name: string) => {
      const { groups: store } = stores();
      const group = await userErrors(() => store.require(name));
      ctx.io.out(JSON.stringify(publicView(group, await store.defaultName()), null, 2));
      ctx.setExit(0);
    });
  groups
    .command('set-default')
    .argument('<name>')
    .description('make a group the default (tasks that name no group use it)')
    .action(async (name: string) => {
      await userErrors(() => stores().groups.setDefault(name));
      ctx.io.out(`'${name}' is now the default config group`);
      ctx.setExit(0);
    });
  groups
    .command('delete')
    .argument('<name>')
    .description('delete a config group (not the default)')
    .action(async (name: string) => {
      await userErrors(() => stores().groups.delete(name));
      ctx.io.out(`deleted config group '${name}'`);
      ctx.setExit(0);
    });
  groups
    .command('import')
    .argument('<file>', 'a group as JSON, or a .tar.gz made by `config-groups export`')
    .option('--keytab <file>', 'the Kerberos keytab of the group (JSON import)')
    .option('--livy-password-stdin', 'read the Livy password from stdin (JSON import)')
    .description('create or replace config groups from a JSON file or a tar.gz archive; everything is checked before anything is written')
    .addHelpText('after', '\nExamples:\n  skydag config-groups import prod.json --keytab etl.keytab\n  skydag config-groups import configs.tar.gz')
    .action(async function (this: Command, file: string) {
      const o = this.opts<{ keytab?: string; livyPasswordStdin?: boolean }>();
      const body = await readFile(file).catch(() => {
        throw new UsageError(`cannot read '${file}'`);
      });
      const { groups: store } = stores();
      if (isTarGz(body)) {
        if (o.keytab || o.livyPasswordStdin) throw new UsageError('--keytab and --livy-password-stdin apply to a JSON import; an archive carries its own');
        const names = await userErrors(() => importConfigGroups(store, body));
        ctx.io.out(`imported config group(s): ${names.join(', ')}`);
      } else {
        let raw: unknown;
        try {
          raw = JSON.parse(body.toString('utf8'));
        } catch {
          throw new UsageError(`${file} is neither JSON nor a .tar.gz archive`);
        }
        const secrets: GroupSecretsChange = {};
        if (o.keytab) secrets.keytab = await readFile(o.keytab);
        if (o.livyPasswordStdin) secrets.livyPassword = (await ctx.readStdin()).split(/\r?\n/)[0] ?? '';
        const group = await userErrors(() => store.put(raw, secrets));
        ctx.io.out(`imported config group '${group.name}'`);
      }
      ctx.setExit(0);
    });
  groups
    .command('export')
    .argument('<file>', 'the .tar.gz to write')
    .option('--with-secrets', 'include keytabs and Livy passwords, decrypted (keep the archive safe)')
    .description('write every config group (and which is the default) to a tar.gz archive')
    .action(async function (this: Command, file: string) {
      const o = this.opts<{ withSecrets?: boolean }>();
      const archive = await exportConfigGroups(stores().groups, { withSecrets: o.withSecrets === true });
      await writeFile(file, archive, { mode: 0o600 });
      ctx.io.out(`exported config groups to ${file}${o.withSecrets ? ' (with secrets)' : ' (without secrets)'}`);
      ctx.setExit(0);
    });
}
