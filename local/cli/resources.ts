/**
 * `skydag variables|connections|pools get|set|add|delete|list|import|export`, with Airflow's argument
 * names, through the REST API (local store or --api). Secrets never leave the API, so neither do they
 * leave here: sensitive variable values come masked (`***`) and an import skips masked values rather
 * than overwrite the real one with the mask; a connection's password is write-only (Airflow's
 * `connections get` prints it and its URI; skydag never does), so exports carry no passwords.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { MASK } from '../../shared/secrets/masker.js';
import { ApiCallError, request, segment, type ApiClient } from './api-client.js';
import { listAll, outputOption, progress, render, withClient, withTarget, type Column, type CommandContext, type OutputFormat } from './output.js';
import { UsageError } from './io.js';
import { writeFileAtomic } from '../atomic-file.js';

const examples = (...lines: string[]) => `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}`;

/** Reads a JSON (or, by extension, YAML) file of an import; `-` reads stdin. */
async function readDocument(ctx: CommandContext, file: string): Promise<unknown> {
  const text = file === '-' ? await ctx.readStdin() : await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  try {
    return ['.yaml', '.yml'].includes(extname(file).toLowerCase()) ? (parseYaml(text) as unknown) : (JSON.parse(text) as unknown);
  } catch (error) {
    throw new UsageError(`${file} is not valid ${['.yaml', '.yml'].includes(extname(file).toLowerCase()) ? 'YAML' : 'JSON'}: ${(error as Error).message}`);
  }
}

function objectOf(document: unknown, file: string, what: string): Record<string, unknown> {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new UsageError(`${file} must hold an object of ${what}`);
  return document as Record<string, unknown>;
}

/** Writes an export to `file` whole (through a rename) or to stdout for `-`. */
async function writeDocument(ctx: CommandContext, file: string, text: string): Promise<void> {
  if (file === '-') {
    ctx.io.out(text);
    return;
  }
  await writeFileAtomic(file, text.endsWith('\n') ? text : `${text}\n`, { mode: 0o600 });
}

const isNotFound = (error: unknown) => error instanceof ApiCallError && error.status === 404;

/** The answer, with a 404 told in Airflow's words for the missing thing. */
function orMissing<T>(answer: Promise<T>, message: string): Promise<T> {
  return answer.catch((error: unknown) => {
    throw isNotFound(error) ? new ApiCallError(404, message) : error;
  });
}

/** Runs `step` for each entry with a progress line on a terminal; counts what failed. */
async function importEach<T>(ctx: CommandContext, label: string, entries: [string, T][], step: (key: string, value: T) => Promise<'done' | 'skipped'>): Promise<number> {
  const bar = progress(ctx.io, label, entries.length);
  let done = 0;
  let skipped = 0;
  const failed: string[] = [];
  for (const [i, [key, value]] of entries.entries()) {
    try {
      if ((await step(key, value)) === 'done') done++;
      else skipped++;
    } catch (error) {
      if (!(error instanceof ApiCallError || error instanceof UsageError)) throw error;
      failed.push(`${key}: ${error.message}`);
    }
    bar.step(i + 1);
  }
  bar.end();
  for (const line of failed) ctx.io.err(`error: ${line}`);
  ctx.io.out(`${done} of ${entries.length} ${label} successfully updated.${skipped ? ` ${skipped} skipped.` : ''}`);
  return failed.length ? 1 : 0;
}

// ---------------------------------------------------------------- variables

interface Variable {
  key: string;
  value: string;
  description: string | null;
}

function registerVariables(program: Command, ctx: CommandContext): void {
  const variables = program.command('variables').description('manage variables (Airflow: airflow variables ...)');
  const path = (key: string) => `/api/v1/variables/${segment(key)}`;

  withTarget(variables.command('get').argument('<key>').description('print a variable\'s value (masked as *** when its key is sensitive)'), ctx)
    .option('-j, --json', 'deserialize the value as JSON and print it indented')
    .option('-d, --default <value>', 'print this when the variable does not exist (instead of exit code 1)')
    .addHelpText('after', examples('skydag variables get env', 'skydag variables get settings --json', 'skydag variables get missing --default none'))
    .action(async function (this: Command, key: string) {
      const o = this.opts<{ json?: boolean; default?: string }>();
      await withClient(this, ctx, async (client) => {
        let value: string;
        try {
          value = (await request<Variable>(client, 'GET', path(key))).value;
        } catch (error) {
          if (!isNotFound(error) || o.default === undefined) throw isNotFound(error) ? new ApiCallError(404, `Variable ${key} does not exist`) : error;
          value = o.default;
        }
        if (!o.json) return void ctx.io.out(value);
        try {
          ctx.io.out(JSON.stringify(JSON.parse(value), null, 2));
        } catch {
          throw new UsageError(`the value of ${key} is not JSON`);
        }
      });
    });

  withTarget(variables.command('set').argument('<key>').argument('<value>').description('create or replace a variable'), ctx)
    .option('-j, --json', 'the value is JSON: checked and stored in its compact form')
    .option('--description <text>', 'a description of the variable')
    .addHelpText('after', examples('skydag variables set env staging', 'skydag variables set settings \'{"retries": 3}\' --json --description "ETL settings"'))
    .action(async function (this: Command, key: string, value: string) {
      const o = this.opts<{ json?: boolean; description?: string }>();
      let stored = value;
      if (o.json) {
        try {
          stored = JSON.stringify(JSON.parse(value));
        } catch (error) {
          throw new UsageError(`--json: the value is not valid JSON (${(error as Error).message})`);
        }
      }
      await withClient(this, ctx, async (client) => {
        await request(client, 'POST', '/api/v1/variables', { body: { key, value: stored, ...(o.description !== undefined ? { description: o.description } : {}) } });
        ctx.io.out(`Variable ${key} created`);
      });
    });

  withTarget(variables.command('delete').argument('<key>').description('delete a variable'), ctx).action(async function (this: Command, key: string) {
    await withClient(this, ctx, async (client) => {
      await orMissing(request(client, 'DELETE', path(key)), `Variable ${key} does not exist`);
      ctx.io.out(`Variable ${key} deleted`);
    });
  });

  withTarget(variables.command('list').description('list variables (keys, as Airflow; descriptions with -o json|yaml)'), ctx)
    .addOption(outputOption())
    .action(async function (this: Command) {
      const { output } = this.opts<{ output: OutputFormat }>();
      await withClient(this, ctx, async (client) => {
        const rows = await listAll<Variable>(client, '/api/v1/variables', 'variables');
        const columns: Column<Variable>[] = [{ header: 'key', value: (v) => v.key }];
        if (output === 'json' || output === 'yaml') columns.push({ header: 'description', value: (v) => v.description });
        ctx.io.out(render(output, rows, columns));
      });
    });

  withTarget(variables.command('import').argument('<file>', 'JSON object {"key": value} (- for stdin); non-string values are stored as JSON'), ctx)
    .addOption(new Option('-a, --action-on-existing-key <action>', 'what to do with a key that exists').choices(['overwrite', 'fail', 'skip']).default('overwrite'))
    .description('import variables from a JSON file (as written by variables export)')
    .addHelpText('after', examples('skydag variables import variables.json', 'skydag variables import variables.json --action-on-existing-key skip'))
    .action(async function (this: Command, file: string) {
      const { actionOnExistingKey: onExisting } = this.opts<{ actionOnExistingKey: 'overwrite' | 'fail' | 'skip' }>();
      const entries = Object.entries(objectOf(await readDocument(ctx, file), file, 'variables'));
      await withClient(this, ctx, async (client) =>
        importEach(ctx, 'variable(s)', entries, async (key, raw) => {
          const value = typeof raw === 'string' ? raw : JSON.stringify(raw);
          // An export masks sensitive values: importing the mask would overwrite the real secret with '***'.
          if (value === MASK) {
            ctx.io.err(`skipping ${key}: its value is masked (${MASK}) in the file; set it with skydag variables set`);
            return 'skipped';
          }
          if (onExisting !== 'overwrite') {
            const exists = await request(client, 'GET', path(key)).then(() => true, (error: unknown) => (isNotFound(error) ? false : Promise.reject(error)));
            if (exists && onExisting === 'skip') return 'skipped';
            if (exists) throw new UsageError('the variable exists (--action-on-existing-key fail)');
          }
          await request(client, 'POST', '/api/v1/variables', { body: { key, value } });
          return 'done';
        }),
      );
    });

  withTarget(variables.command('export').argument('<file>', 'where to write the JSON object (- for stdout)'), ctx)
    .description('export every variable as a JSON object {"key": "value"}; sensitive values are masked, as the API returns them')
    .addHelpText('after', examples('skydag variables export variables.json', 'skydag variables export - | jq .'))
    .action(async function (this: Command, file: string) {
      await withClient(this, ctx, async (client) => {
        const rows = await listAll<Variable>(client, '/api/v1/variables', 'variables');
        await writeDocument(ctx, file, JSON.stringify(Object.fromEntries(rows.map((v) => [v.key, v.value])), null, 2));
        const masked = rows.filter((v) => v.value === MASK).length;
        ctx.io.err(`${rows.length} variable(s) exported${file === '-' ? '' : ` to ${resolve(file)}`}${masked ? `; ${masked} sensitive value(s) are masked as ${MASK} (an import skips them)` : ''}`);
      });
    });
}

// ---------------------------------------------------------------- connections

interface Connection {
  connection_id: string;
  conn_type: string;
  description: string | null;
  host: string | null;
  login: string | null;
  schema: string | null;
  port: number | null;
  extra?: string | null;
}

type ConnectionFields = Omit<Connection, 'connection_id'> & { password?: string | null };

/** Airflow's Connection(uri=...): `type://login:password@host:port/schema?k=v` (or `?__extra__=<json>`). */
export function parseConnectionUri(uri: string): ConnectionFields {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(uri);
  if (!scheme) throw new UsageError(`--conn-uri must look like type://login:password@host:port/schema, not '${uri.replace(/:[^:@/]*@/, ':***@')}'`);
  let url: URL;
  try {
    // The scheme is swapped for one URL parses generically (special schemes such as http rewrite hosts).
    url = new URL(`skydag${uri.slice(scheme[1]!.length)}`);
  } catch {
    throw new UsageError('--conn-uri is not a valid URI');
  }
  const decode = (s: string) => (s === '' ? null : decodeURIComponent(s));
  const params = [...url.searchParams.entries()];
  const extraJson = url.searchParams.get('__extra__');
  const extra = extraJson !== null ? extraJson : params.length ? JSON.stringify(Object.fromEntries(params)) : null;
  const type = scheme[1]!.replace(/-/g, '_');
  return {
    conn_type: type === 'postgresql' ? 'postgres' : type,
    description: null,
    host: decode(url.hostname),
    login: decode(url.username),
    password: decode(url.password),
    schema: decode(url.pathname.replace(/^\//, '')),
    port: url.port ? Number(url.port) : null,
    extra,
  };
}

/** A connection as an import file or --conn-json holds it (Airflow's export shape). */
function connectionFromObject(id: string, raw: unknown): ConnectionFields {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError(`connection ${id} must be an object`);
  const o = raw as Record<string, unknown>;
  const known = ['conn_type', 'description', 'host', 'login', 'password', 'schema', 'port', 'extra'];
  const unknown = Object.keys(o).filter((k) => !known.includes(k));
  if (unknown.length) throw new UsageError(`connection ${id}: unknown field(s) ${unknown.join(', ')} (known: ${known.join(', ')})`);
  if (typeof o.conn_type !== 'string') throw new UsageError(`connection ${id} needs a conn_type`);
  const text = (k: string) => (o[k] === undefined || o[k] === null ? null : String(o[k]));
  return {
    conn_type: o.conn_type,
    description: text('description'),
    host: text('host'),
    login: text('login'),
    schema: text('schema'),
    port: o.port === undefined || o.port === null ? null : Number(o.port),
    extra: o.extra === undefined || o.extra === null ? null : typeof o.extra === 'string' ? o.extra : JSON.stringify(o.extra),
    ...(o.password !== undefined ? { password: text('password') } : {}),
  };
}

const CONNECTION_COLUMNS: Column<Connection>[] = [
  { header: 'conn_id', value: (c) => c.connection_id },
  { header: 'conn_type', value: (c) => c.conn_type },
  { header: 'description', value: (c) => c.description },
  { header: 'host', value: (c) => c.host },
  { header: 'schema', value: (c) => c.schema },
  { header: 'login', value: (c) => c.login },
  { header: 'port', value: (c) => c.port },
];

function registerConnections(program: Command, ctx: CommandContext): void {
  const connections = program.command('connections').description('manage connections (Airflow: airflow connections ...); passwords are write-only');
  const path = (id: string) => `/api/v1/connections/${segment(id)}`;

  withTarget(connections.command('get').argument('<conn_id>').description('show a connection: never its password (write-only), extra with sensitive keys masked'), ctx)
    .addOption(outputOption())
    .action(async function (this: Command, id: string) {
      const { output } = this.opts<{ output: OutputFormat }>();
      await withClient(this, ctx, async (client) => {
        const connection = await request<Connection>(client, 'GET', path(id));
        ctx.io.out(render(output, [connection], [...CONNECTION_COLUMNS, { header: 'extra', value: (c) => c.extra ?? null }]));
      });
    });

  withTarget(connections.command('add').argument('<conn_id>').description('add a connection from a URI, a JSON object or fields'), ctx)
    .option('--conn-uri <uri>', 'type://login:password@host:port/schema?extra_key=value')
    .option('--conn-json <json>', 'the connection as a JSON object {"conn_type": ..., "host": ...}')
    .option('--conn-type <type>', 'connection type (e.g. postgres, http, aws)')
    .option('--conn-host <host>')
    .option('--conn-login <login>')
    .option('--conn-password <password>', 'visible in the process list and shell history: prefer --conn-uri from a file or the API')
    .option('--conn-schema <schema>')
    .option('--conn-port <port>')
    .option('--conn-extra <json>', 'extra as a JSON object')
    .option('--conn-description <text>')
    .addHelpText('after', examples("skydag connections add my_pg --conn-uri 'postgres://etl:secret@db.example.com:5432/warehouse'", 'skydag connections add my_api --conn-type http --conn-host api.example.com --conn-extra \'{"timeout": 30}\''))
    .action(async function (this: Command, id: string) {
      const o = this.opts<Record<string, string | undefined>>();
      const fieldOptions = ['connType', 'connHost', 'connLogin', 'connPassword', 'connSchema', 'connPort', 'connExtra', 'connDescription'].filter((k) => o[k] !== undefined);
      const sources = [o.connUri !== undefined, o.connJson !== undefined, fieldOptions.length > 0].filter(Boolean).length;
      if (sources !== 1) throw new UsageError('give exactly one of --conn-uri, --conn-json, or --conn-type with the other --conn-* fields');
      let fields: ConnectionFields;
      if (o.connUri !== undefined) fields = parseConnectionUri(o.connUri);
      else if (o.connJson !== undefined) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(o.connJson);
        } catch (error) {
          throw new UsageError(`--conn-json is not valid JSON (${(error as Error).message})`);
        }
        fields = connectionFromObject(id, parsed);
      } else {
        if (o.connType === undefined) throw new UsageError('--conn-type is required with the --conn-* fields');
        if (o.connPort !== undefined && !/^\d+$/.test(o.connPort)) throw new UsageError(`--conn-port must be a number, not '${o.connPort}'`);
        fields = {
          conn_type: o.connType,
          description: o.connDescription ?? null,
          host: o.connHost ?? null,
          login: o.connLogin ?? null,
          schema: o.connSchema ?? null,
          port: o.connPort !== undefined ? Number(o.connPort) : null,
          extra: o.connExtra ?? null,
          ...(o.connPassword !== undefined ? { password: o.connPassword } : {}),
        };
      }
      if (o.connDescription !== undefined) fields.description = o.connDescription;
      await withClient(this, ctx, async (client) => {
        await request(client, 'POST', '/api/v1/connections', { body: { connection_id: id, ...fields } }).catch((error: unknown) => {
          throw error instanceof ApiCallError && error.status === 409 ? new ApiCallError(409, `A connection with conn_id \`${id}\` already exists.`) : error;
        });
        ctx.io.out(`Successfully added \`conn_id\`=${id} : ${fields.conn_type}://${fields.host ?? ''}${fields.port !== null ? `:${fields.port}` : ''}`);
      });
    });

  withTarget(connections.command('delete').argument('<conn_id>').description('delete a connection'), ctx).action(async function (this: Command, id: string) {
    await withClient(this, ctx, async (client) => {
      await orMissing(request(client, 'DELETE', path(id)), `Did not find a connection with \`conn_id\`=${id}`);
      ctx.io.out(`Successfully deleted connection with \`conn_id\`=${id}`);
    });
  });

  withTarget(connections.command('list').description('list connections (no passwords)'), ctx)
    .addOption(outputOption())
    .option('--conn-id <conn_id>', 'only this connection')
    .action(async function (this: Command) {
      const o = this.opts<{ output: OutputFormat; connId?: string }>();
      await withClient(this, ctx, async (client) => {
        const rows = (await listAll<Connection>(client, '/api/v1/connections', 'connections')).filter((c) => o.connId === undefined || c.connection_id === o.connId);
        ctx.io.out(render(o.output, rows, CONNECTION_COLUMNS));
      });
    });

  withTarget(connections.command('import').argument('<file>', 'JSON or YAML object {"conn_id": {"conn_type": ..., ...}} (- for stdin)'), ctx)
    .option('--overwrite', 'replace connections that exist (default: report them and go on)')
    .description('import connections (as written by connections export, or with passwords added by hand)')
    .addHelpText('after', examples('skydag connections import connections.json', 'skydag connections import connections.yaml --overwrite'))
    .action(async function (this: Command, file: string) {
      const { overwrite } = this.opts<{ overwrite?: boolean }>();
      const entries = Object.entries(objectOf(await readDocument(ctx, file), file, 'connections'));
      await withClient(this, ctx, async (client) =>
        importEach(ctx, 'connection(s)', entries, async (id, raw) => {
          const fields = connectionFromObject(id, raw);
          const created = await request(client, 'POST', '/api/v1/connections', { body: { connection_id: id, ...fields } }).then(
            () => true,
            (error: unknown) => (error instanceof ApiCallError && error.status === 409 ? false : Promise.reject(error)),
          );
          if (created) return 'done';
          if (!overwrite) throw new UsageError('the connection exists (use --overwrite to replace it)');
          // A file without passwords (an export) keeps the stored password: only the fields it holds are replaced.
          await request(client, 'PATCH', path(id), { body: { connection_id: id, ...fields } });
          return 'done';
        }),
      );
    });

  withTarget(connections.command('export').argument('<file>', 'where to write (- for stdout)'), ctx)
    .addOption(new Option('--file-format <format>', 'json or yaml (default: by the file extension, else json)').choices(['json', 'yaml']))
    .description('export every connection as {"conn_id": {...}}; passwords are write-only and never exported, extras keep sensitive keys masked')
    .addHelpText('after', examples('skydag connections export connections.json', 'skydag connections export - --file-format yaml'))
    .action(async function (this: Command, file: string) {
      const { fileFormat } = this.opts<{ fileFormat?: 'json' | 'yaml' }>();
      const format = fileFormat ?? (['.yaml', '.yml'].includes(extname(file).toLowerCase()) ? 'yaml' : 'json');
      await withClient(this, ctx, async (client) => {
        const ids = (await listAll<Connection>(client, '/api/v1/connections', 'connections')).map((c) => c.connection_id);
        const all: Record<string, Omit<Connection, 'connection_id'>> = {};
        for (const id of ids) {
          const { connection_id: _id, ...rest } = await request<Connection>(client, 'GET', path(id));
          all[id] = rest;
        }
        await writeDocument(ctx, file, format === 'yaml' ? toYaml(all) : JSON.stringify(all, null, 2));
        ctx.io.err(`${ids.length} connection(s) exported${file === '-' ? '' : ` to ${resolve(file)}`} without passwords (write-only)`);
      });
    });
}

// ---------------------------------------------------------------- pools

interface Pool {
  name: string;
  slots: number;
  description: string | null;
  include_deferred: boolean;
}

const POOL_COLUMNS: Column<Pool>[] = [
  { header: 'pool', value: (p) => p.name },
  { header: 'slots', value: (p) => p.slots },
  { header: 'description', value: (p) => p.description },
  { header: 'include_deferred', value: (p) => p.include_deferred },
];

/** Creates or updates a pool (Airflow's `pools set` is an upsert). */
async function setPool(client: ApiClient, pool: Pool): Promise<void> {
  const body = { name: pool.name, slots: pool.slots, description: pool.description, include_deferred: pool.include_deferred };
  await request(client, 'PATCH', `/api/v1/pools/${segment(pool.name)}`, { body }).catch((error: unknown) => {
    if (!isNotFound(error)) throw error;
    return request(client, 'POST', '/api/v1/pools', { body });
  });
}

function slotsOf(value: unknown, name: string): number {
  const slots = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(slots) || slots < -1) throw new UsageError(`pool ${name}: slots must be an integer ≥ -1 (-1: unlimited), not '${String(value)}'`);
  return slots;
}

function registerPools(program: Command, ctx: CommandContext): void {
  const pools = program.command('pools').description('manage pools (Airflow: airflow pools ...)');
  const path = (name: string) => `/api/v1/pools/${segment(name)}`;

  withTarget(pools.command('get').argument('<name>').description('show a pool'), ctx)
    .addOption(outputOption())
    .action(async function (this: Command, name: string) {
      const { output } = this.opts<{ output: OutputFormat }>();
      await withClient(this, ctx, async (client) => {
        const pool = await orMissing(request<Pool>(client, 'GET', path(name)), `Pool ${name} does not exist`);
        ctx.io.out(render(output, [pool], POOL_COLUMNS));
      });
    });

  withTarget(pools.command('set').argument('<name>').argument('<slots>', 'number of slots (-1: unlimited)').argument('<description>').description('create or update a pool'), ctx)
    .option('--include-deferred', "accepted for Airflow's CLI; refused: skydag has no deferred tasks")
    .addOption(outputOption())
    .addHelpText('after', examples('skydag pools set etl_pool 4 "ETL database connections"'))
    .action(async function (this: Command, name: string, slotsText: string, description: string) {
      const o = this.opts<{ includeDeferred?: boolean; output: OutputFormat }>();
      const pool: Pool = { name, slots: slotsOf(slotsText, name), description, include_deferred: o.includeDeferred === true };
      await withClient(this, ctx, async (client) => {
        await setPool(client, pool);
        ctx.io.out(render(o.output, [await request<Pool>(client, 'GET', path(name))], POOL_COLUMNS));
      });
    });

  withTarget(pools.command('delete').argument('<name>').description('delete a pool'), ctx)
    .addOption(outputOption())
    .action(async function (this: Command, name: string) {
      const { output } = this.opts<{ output: OutputFormat }>();
      await withClient(this, ctx, async (client) => {
        const pool = await orMissing(request<Pool>(client, 'GET', path(name)), `Pool ${name} does not exist`);
        await request(client, 'DELETE', path(name));
        ctx.io.out(render(output, [pool], POOL_COLUMNS));
      });
    });

  withTarget(pools.command('list').description('list pools'), ctx)
    .addOption(outputOption())
    .action(async function (this: Command) {
      const { output } = this.opts<{ output: OutputFormat }>();
      await withClient(this, ctx, async (client) => ctx.io.out(render(output, await listAll<Pool>(client, '/api/v1/pools', 'pools'), POOL_COLUMNS)));
    });

  withTarget(pools.command('import').argument('<file>', 'JSON object {"name": {"slots": n, "description": "...", "include_deferred": false}} (- for stdin)'), ctx)
    .description('create or update pools from a JSON file (as written by pools export)')
    .addHelpText('after', examples('skydag pools import pools.json'))
    .action(async function (this: Command, file: string) {
      const entries = Object.entries(objectOf(await readDocument(ctx, file), file, 'pools'));
      await withClient(this, ctx, async (client) =>
        importEach(ctx, 'pool(s)', entries, async (name, raw) => {
          if (typeof raw !== 'object' || raw === null) throw new UsageError('must be an object with slots and description');
          const o = raw as Record<string, unknown>;
          await setPool(client, { name, slots: slotsOf(o.slots, name), description: typeof o.description === 'string' ? o.description : null, include_deferred: o.include_deferred === true });
          return 'done';
        }),
      );
    });

  withTarget(pools.command('export').argument('<file>', 'where to write the JSON object (- for stdout)'), ctx)
    .description('export every pool as {"name": {"slots": n, "description": "...", "include_deferred": false}}')
    .action(async function (this: Command, file: string) {
      await withClient(this, ctx, async (client) => {
        const rows = await listAll<Pool>(client, '/api/v1/pools', 'pools');
        await writeDocument(ctx, file, JSON.stringify(Object.fromEntries(rows.map((p) => [p.name, { slots: p.slots, description: p.description, include_deferred: p.include_deferred }])), null, 2));
        ctx.io.err(`${rows.length} pool(s) exported${file === '-' ? '' : ` to ${resolve(file)}`}`);
      });
    });
}

export function registerResourceCommands(program: Command, ctx: CommandContext): void {
  registerVariables(program, ctx);
  registerConnections(program, ctx);
  registerPools(program, ctx);
}
