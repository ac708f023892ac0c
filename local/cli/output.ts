/**
 * What the Airflow-style commands share: `--output table|json|yaml|plain` rendering (Airflow's
 * AirflowConsole formats), `--api URL` to reach a deployed API instead of the local store, and
 * errors of the API turned into exit code 1 with the problem's detail on stderr.
 */
import { Option, type Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { ApiCallError, openLocalClient, openRemoteClient, request, type ApiClient, type ApiCall } from './api-client.js';
import { table, type CliIO } from './io.js';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml', 'plain'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface Column<T> {
  header: string;
  value(row: T): unknown;
}

const cell = (value: unknown): string => (value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));

/** Rows as json/yaml (each row as the object of its columns, as Airflow's console does) or as a table. */
export function render<T>(format: OutputFormat, rows: readonly T[], columns: readonly Column<T>[]): string {
  const objects = rows.map((row) => Object.fromEntries(columns.map((c) => [c.header, c.value(row) ?? null])));
  if (format === 'json') return JSON.stringify(objects, null, 2);
  if (format === 'yaml') return toYaml(objects).trimEnd();
  const cells = rows.map((row) => columns.map((c) => cell(c.value(row))));
  // plain: Airflow's tab-free columns without a header line.
  if (format === 'plain') return cells.map((r) => r.join('  ').trimEnd()).join('\n');
  return table(columns.map((c) => c.header.toUpperCase()), cells);
}

export interface CommandContext {
  io: CliIO;
  setExit(code: number): void;
  home(): string;
  defaultDagsFolder(): string;
  readStdin(): Promise<string>;
  /** Tests pass a fetch that reaches an in-process server; the default is the global fetch. */
  fetch?: typeof fetch;
}

export const outputOption = () => new Option('-o, --output <format>', 'output format').choices([...OUTPUT_FORMATS]).default('table');

/** --api and --dags-folder: where the command's requests go. */
export function withTarget(cmd: Command, ctx: CommandContext): Command {
  return cmd
    .addOption(new Option('--api <url>', 'a deployed skydag API (sign in first with skydag login); default: the local store of $SKYDAG_HOME').env('SKYDAG_API_URL'))
    .addOption(new Option('--dags-folder <dir>', 'folder holding DAG files (local store only)').default(ctx.defaultDagsFolder(), '$SKYDAG_DAGS_FOLDER or ./dags'));
}

/** Opens the command's target, runs `work` with it, and maps API errors to exit code 1 with their detail. */
export async function withClient(cmd: Command, ctx: CommandContext, work: (client: ApiClient) => Promise<unknown>): Promise<void> {
  const o = cmd.opts<{ api?: string; dagsFolder: string }>();
  const client = o.api ? await openRemoteClient(o.api, ctx.fetch) : await openLocalClient({ home: ctx.home(), dagsFolder: o.dagsFolder, warn: (line) => ctx.io.err(line) });
  try {
    const code = await work(client);
    ctx.setExit(typeof code === 'number' ? code : 0);
  } catch (error) {
    if (!(error instanceof ApiCallError)) throw error;
    ctx.io.err(`error: ${error.message}`);
    ctx.setExit(1);
  } finally {
    await client.close();
  }
}

/** Every item of a paged listing (`limit` at most 100 per page, as the API allows). */
export async function listAll<T>(client: ApiClient, path: string, field: string, call: ApiCall = {}): Promise<T[]> {
  const items: T[] = [];
  for (;;) {
    const page = await request<Record<string, unknown>>(client, 'GET', path, { ...call, query: { ...call.query, limit: 100, offset: items.length } });
    const batch = (page[field] ?? []) as T[];
    items.push(...batch);
    if (batch.length === 0 || items.length >= Number(page.total_entries ?? 0)) return items;
  }
}

/** "n/total" on one rewritten stderr line when stderr is a terminal; nothing in pipes and files. */
export function progress(io: CliIO, label: string, total: number): { step(done: number): void; end(): void } {
  if (!io.progress) return { step: () => undefined, end: () => undefined };
  const show = io.progress;
  return {
    step: (done) => show(`${label} ${done}/${total}`),
    end: () => show(''),
  };
}

export type { ApiClient };
