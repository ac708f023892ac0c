/**
 * `skydag db export [FILE]`, `skydag db import FILE [--replace]`, `skydag db reset [--yes]`: back up,
 * restore and start over the embedded store in $SKYDAG_HOME (local/stores/store-backup.ts). Each
 * needs the store to itself: stop `skydag dev` first.
 */
import type { Command } from 'commander';
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import { resolve } from 'node:path';
import { once } from 'node:events';

/** The store's modules (the AWS SDK, dynalite) load when a db command runs, not at every CLI start. */
const storeModules = async () => ({ ...(await import('../stores/embedded-dynamodb.js')), ...(await import('../stores/store-backup.js')) });
import type { CliIO } from './io.js';

export interface DbCommandContext {
  io: CliIO;
  setExit(code: number): void;
  home(): string;
}

async function exportTo(file: string | undefined, home: string, io: CliIO): Promise<number> {
  const { embeddedDynamoDir, exportStore } = await storeModules();
  const toStdout = file === undefined || file === '-';
  // A file is written beside its name and renamed when complete: a failed export never leaves a partial backup under it.
  const partial = toStdout ? undefined : `${file}.partial`;
  const out = partial ? createWriteStream(partial) : process.stdout;
  try {
    const counts = await exportStore(home, async (line) => {
      if (!out.write(line)) await once(out, 'drain');
    });
    const summary = `exported ${counts.items} items and ${counts.blobs} blobs of ${resolve(embeddedDynamoDir(home))}`;
    const keyNote = 'secrets stay encrypted in the export: keep SKYDAG_SECRET_KEY (or $SKYDAG_HOME/secret.key) with it, or they cannot be read after a restore';
    if (partial) {
      (out as WriteStream).end();
      await once(out, 'finish');
      await rename(partial, file!);
      io.out(`skydag: ${summary} to ${resolve(file!)}`);
      io.out(`skydag: ${keyNote}`);
    } else io.err(`skydag: ${summary}; ${keyNote}`);
    return 0;
  } catch (error) {
    if (partial) (out as WriteStream).destroy();
    throw error;
  }
}

export function registerDbCommands(program: Command, context: DbCommandContext): void {
  const { io, setExit } = context;
  const db = program.command('db').description('back up, restore and reset the embedded store in $SKYDAG_HOME (stop `skydag dev` first)');

  db.command('export')
    .argument('[file]', 'where to write the export (JSON lines); - or nothing for stdout')
    .description('export every item and blob of the store, secrets encrypted as stored')
    .action(async (file?: string) => {
      setExit(await exportTo(file, context.home(), io));
    });

  db.command('import')
    .argument('<file>', 'an export written by `skydag db export`')
    .option('--replace', 'replace what the store holds (default: refuse a store that is not empty)')
    .description('import an export into an empty store; the whole file is checked before anything is written')
    .action(async (file: string, options: { replace?: boolean }) => {
      const { embeddedDynamoDir, importStore, InvalidExportError, StoreNotEmptyError } = await storeModules();
      try {
        const counts = await importStore(context.home(), await readFile(file, 'utf8'), { replace: options.replace === true });
        io.out(`skydag: imported ${counts.items} items and ${counts.blobs} blobs into ${embeddedDynamoDir(context.home())}`);
        setExit(0);
      } catch (error) {
        if (!(error instanceof InvalidExportError || error instanceof StoreNotEmptyError)) throw error;
        io.err(`error: ${file}: ${error.message}`);
        setExit(1);
      }
    });

  db.command('reset')
    .option('--yes', 'confirm: move the store aside and start empty')
    .description('move the store aside (kept as dynamodb.reset-<time>, not deleted) so the next start begins empty')
    .action(async (options: { yes?: boolean }) => {
      const { embeddedDynamoDir, resetStore } = await storeModules();
      const dir = embeddedDynamoDir(context.home());
      if (!options.yes) {
        io.err(`skydag db reset moves ${resolve(dir)} (and its blobs) aside and starts an empty store: runs, variables, connections, users and the audit log start over. Run it again with --yes to do it.`);
        setExit(1);
        return;
      }
      const moved = await resetStore(context.home());
      io.out(moved.length ? `skydag: moved ${moved.join(' and ')} aside; the next start begins with an empty store` : `skydag: ${resolve(dir)} holds no store; nothing to reset`);
      setExit(0);
    });
}
