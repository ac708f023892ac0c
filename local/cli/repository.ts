/**
 * `skydag models|datasets upload|list|versions|show|download|describe|delete` (and `models
 * serving-config`): the models and datasets repository through the REST API (the local store, or a
 * deployed API with --api). Uploads use the API's resumable protocol: the file's SHA-256 first, then
 * chunks each with its own checksum; an interrupted upload continues with `--resume <upload id>`,
 * sending only the chunks the API does not have.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { request, segment, type ApiClient } from './api-client.js';
import { outputOption, progress, render, withClient, withTarget, type Column, type CommandContext, type OutputFormat } from './output.js';
import { UsageError } from './io.js';

type Kind = 'model' | 'dataset';

interface Summary {
  name: string;
  flavor: string | null;
  latest_version: number;
  version_count: number;
  description: string;
  updated_at: string;
}

interface Version {
  name: string;
  version: number;
  flavor: string | null;
  file_name: string;
  size: number;
  sha256: string;
  uri: string;
  description: string;
  created_at: string;
  created_by: string | null;
}

interface Upload {
  upload_id: string;
  chunk_size: number;
  chunk_count: number;
  size: number;
  sha256: string | null;
  received: number[];
  completed_version: number | null;
}

const SUMMARY_COLUMNS: Column<Summary>[] = [
  { header: 'name', value: (s) => s.name },
  { header: 'flavor', value: (s) => s.flavor },
  { header: 'latest_version', value: (s) => s.latest_version },
  { header: 'versions', value: (s) => s.version_count },
  { header: 'updated_at', value: (s) => s.updated_at },
  { header: 'description', value: (s) => s.description },
];

const VERSION_COLUMNS: Column<Version>[] = [
  { header: 'version', value: (v) => v.version },
  { header: 'file_name', value: (v) => v.file_name },
  { header: 'size', value: (v) => v.size },
  { header: 'created_at', value: (v) => v.created_at },
  { header: 'created_by', value: (v) => v.created_by },
  { header: 'description', value: (v) => v.description },
  { header: 'uri', value: (v) => v.uri },
];

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Sends the chunks the upload lacks, then completes it. */
async function sendChunks(ctx: CommandContext, client: ApiClient, kind: Kind, file: string, upload: Upload): Promise<Version> {
  const base = `/api/v1/${kind}Uploads/${segment(upload.upload_id)}`;
  const have = new Set(upload.received);
  const handle = await open(file, 'r');
  const bar = progress(ctx.io, 'chunks', upload.chunk_count);
  try {
    for (let index = 0; index < upload.chunk_count; index++) {
      if (!have.has(index)) {
        const length = Math.min(upload.chunk_size, upload.size - index * upload.chunk_size);
        const chunk = Buffer.alloc(length);
        const { bytesRead } = await handle.read(chunk, 0, length, index * upload.chunk_size);
        if (bytesRead !== length) throw new UsageError(`${file} changed while it was being uploaded (chunk ${index} is short)`);
        try {
          await request(client, 'PUT', `${base}/chunks/${index}`, { raw: { data: chunk, contentType: 'application/octet-stream' }, headers: { 'x-chunk-sha256': createHash('sha256').update(chunk).digest('hex') } });
        } catch (error) {
          ctx.io.err(`upload interrupted at chunk ${index} of ${upload.chunk_count}: run the same command with --resume ${upload.upload_id} to continue`);
          throw error;
        }
      }
      bar.step(index + 1);
    }
  } finally {
    bar.end();
    await handle.close();
  }
  return request<Version>(client, 'POST', `${base}/complete`);
}

function registerKind(program: Command, ctx: CommandContext, kind: Kind): void {
  const plural = `${kind}s`;
  const group = program.command(plural).description(kind === 'model' ? 'trained models (TensorFlow SavedModel, Spark ML, PyTorch, other), versioned' : 'datasets, versioned');
  const versionPath = (name: string, version: string) => `/api/v1/${plural}/${segment(name)}/versions/${segment(version)}`;

  const upload = withTarget(group.command('upload').argument('<file>').description(`upload a file as the next version of a ${kind} (resumable)`), ctx)
    .requiredOption('-n, --name <name>', `${kind} name`)
    .option('-d, --description <text>', 'what this version is', '')
    .option('--chunk-size <bytes>', 'bytes per request (at most 4194304)')
    .option('--resume <upload_id>', 'continue an interrupted upload of the same file');
  if (kind === 'model') upload.addOption(new Option('-f, --flavor <flavor>', 'tensorflow (a SavedModel folder as .tar.gz), spark, pytorch or other').choices(['tensorflow', 'spark', 'pytorch', 'other']).makeOptionMandatory());
  upload.action(async function (this: Command, file: string) {
    const o = this.opts<{ name: string; description: string; chunkSize?: string; resume?: string; flavor?: string }>();
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) throw new UsageError(`'${file}' is not a file`);
    const chunkSize = o.chunkSize === undefined ? undefined : Number(o.chunkSize);
    if (chunkSize !== undefined && !(Number.isInteger(chunkSize) && chunkSize > 0)) throw new UsageError(`--chunk-size must be a positive number of bytes, not '${o.chunkSize}'`);
    const sha256 = await fileSha256(file);
    await withClient(this, ctx, async (client) => {
      let session: Upload;
      if (o.resume) {
        session = await request<Upload>(client, 'GET', `/api/v1/${kind}Uploads/${segment(o.resume)}`);
        if (session.size !== info.size || (session.sha256 !== null && session.sha256 !== sha256)) throw new UsageError(`upload ${o.resume} is of another file (size or SHA-256 differ)`);
      } else {
        session = await request<Upload>(client, 'POST', `/api/v1/${kind}Uploads`, {
          body: { name: o.name, ...(o.flavor ? { flavor: o.flavor } : {}), file_name: basename(file), size: info.size, sha256, description: o.description, ...(chunkSize ? { chunk_size: chunkSize } : {}) },
        });
      }
      const saved = session.completed_version === null ? await sendChunks(ctx, client, kind, file, session) : await request<Version>(client, 'POST', `/api/v1/${kind}Uploads/${segment(session.upload_id)}/complete`);
      ctx.io.out(`uploaded ${kind} '${saved.name}' version ${saved.version} (${saved.size} bytes, sha256 ${saved.sha256})\n${saved.uri}`);
    });
  });

  withTarget(group.command('list').description(`list ${plural} with their latest version`), ctx)
    .addOption(outputOption())
    .action(async function (this: Command) {
      const { output } = this.opts<{ output: OutputFormat }>();
      await withClient(this, ctx, async (client) => {
        const answer = await request<Record<string, Summary[]>>(client, 'GET', `/api/v1/${plural}`);
        const columns = kind === 'model' ? SUMMARY_COLUMNS : SUMMARY_COLUMNS.filter((c) => c.header !== 'flavor');
        ctx.io.out(render(output, answer[plural] ?? [], columns));
      });
    });

  withTarget(group.command('versions').argument('<name>').description(`list the versions of a ${kind}`), ctx)
    .addOption(outputOption())
    .action(async function (this: Command, name: string) {
      const { output } = this.opts<{ output: OutputFormat }>();
      await withClient(this, ctx, async (client) => {
        const answer = await request<{ versions: Version[] }>(client, 'GET', `/api/v1/${plural}/${segment(name)}/versions`);
        ctx.io.out(render(output, answer.versions, VERSION_COLUMNS));
      });
    });

  withTarget(group.command('show').argument('<name>').argument('[version]', 'version number or latest', 'latest').description(`describe one version of a ${kind} (JSON)`), ctx)
    .action(async function (this: Command, name: string, version: string) {
      await withClient(this, ctx, async (client) => ctx.io.out(JSON.stringify(await request<Version>(client, 'GET', versionPath(name, version)), null, 2)));
    });

  withTarget(group.command('download').argument('<name>').argument('[version]', 'version number or latest', 'latest').description(`download a ${kind} version's file`), ctx)
    .option('-O, --output-file <path>', 'where to write it (default: its file name, in the current folder)')
    .action(async function (this: Command, name: string, version: string) {
      const o = this.opts<{ outputFile?: string }>();
      await withClient(this, ctx, async (client) => {
        const meta = await request<Version>(client, 'GET', versionPath(name, version));
        const body = await request<Buffer>(client, 'GET', `${versionPath(name, String(meta.version))}/file`, { binary: true });
        if (createHash('sha256').update(body).digest('hex') !== meta.sha256) throw new UsageError(`the download of ${name} version ${meta.version} does not match its SHA-256; nothing was written`);
        const target = o.outputFile ?? meta.file_name;
        await writeFile(`${target}.partial`, body);
        await rename(`${target}.partial`, target);
        ctx.io.out(`wrote ${target} (${kind} '${meta.name}' version ${meta.version}, ${body.length} bytes)`);
      });
    });

  withTarget(group.command('describe').argument('<name>').argument('<version>', 'version number or latest').description(`set the description of a ${kind} version`), ctx)
    .requiredOption('-d, --description <text>', 'the new description')
    .action(async function (this: Command, name: string, version: string) {
      const o = this.opts<{ description: string }>();
      await withClient(this, ctx, async (client) => {
        const saved = await request<Version>(client, 'PATCH', versionPath(name, version), { body: { description: o.description } });
        ctx.io.out(`described ${kind} '${saved.name}' version ${saved.version}`);
      });
    });

  withTarget(group.command('delete').argument('<name>').argument('[version]', 'the version to delete').description(`delete one version of a ${kind}, or every version with --all`), ctx)
    .option('--all', 'delete every version')
    .action(async function (this: Command, name: string, version: string | undefined) {
      const o = this.opts<{ all?: boolean }>();
      if (!version === !o.all) throw new UsageError('give either a version or --all');
      await withClient(this, ctx, async (client) => {
        await request(client, 'DELETE', o.all ? `/api/v1/${plural}/${segment(name)}` : versionPath(name, version!));
        ctx.io.out(o.all ? `deleted every version of ${kind} '${name}'` : `deleted ${kind} '${name}' version ${version}`);
      });
    });

  if (kind === 'model') {
    withTarget(group.command('serving-config').description("print TF Serving's models.config for the TensorFlow models stored"), ctx).action(async function (this: Command) {
      await withClient(this, ctx, async (client) => ctx.io.out((await request<string>(client, 'GET', '/api/v1/modelServingConfig')).trimEnd()));
    });
  }
}

export function registerRepositoryCommands(program: Command, ctx: CommandContext): void {
  registerKind(program, ctx, 'model');
  registerKind(program, ctx, 'dataset');
}

interface EdaSourceView {
  name: string;
  type: string;
  dataset: { name: string; version: number | null } | null;
  blob_key: string | null;
  database: { conn_id: string; table: string | null; query: string | null } | null;
  format: string | null;
}

/** Where a source's data comes from, in one phrase. */
function edaOrigin(s: EdaSourceView): string {
  if (s.dataset) return `dataset:${s.dataset.name}${s.dataset.version ? `@${s.dataset.version}` : ''}`;
  if (s.database) return `connection:${s.database.conn_id} ${s.database.table ?? 'query'}`;
  return s.blob_key ?? '';
}

/** `skydag eda add|list|run|reports|report|delete`: exploratory data analysis of datasets (local mode). */
export function registerEdaCommands(program: Command, ctx: CommandContext): void {
  const eda = program.command('eda').description('exploratory data analysis: profile datasets (L0 summary, L1 correlations and distributions)');
  const source = (name: string) => `/api/v1/edaSources/${segment(name)}`;

  withTarget(eda.command('add').argument('<name>').description('register a dataset, a blob-store file or a database table/query as an EDA source'), ctx)
    .option('--dataset <name>', 'a dataset of the repository (skydag datasets upload)')
    .option('--dataset-version <n>', 'pin a version (default: the latest at each run)')
    .option('--blob-key <key>', 'a file already in the blob store')
    .addOption(new Option('--format <format>', 'csv, tsv or xlsx (default: from the file name)').choices(['csv', 'tsv', 'xlsx']))
    .option('--conn-id <id>', 'a sqlite or postgres connection (with --table or --query)')
    .option('--table <name>', 'the table to profile (name or schema.name)')
    .option('--query <sql>', 'a SELECT to profile (run in a read-only session)')
    .action(async function (this: Command, name: string) {
      const o = this.opts<{ dataset?: string; datasetVersion?: string; blobKey?: string; format?: string; connId?: string; table?: string; query?: string }>();
      const body = {
        ...(o.dataset ? { dataset: { name: o.dataset, ...(o.datasetVersion ? { version: Number(o.datasetVersion) } : {}) } } : {}),
        ...(o.blobKey ? { blob_key: o.blobKey } : {}),
        ...(o.format ? { format: o.format } : {}),
        ...(o.connId ? { conn_id: o.connId } : {}),
        ...(o.table ? { table: o.table } : {}),
        ...(o.query ? { query: o.query } : {}),
      };
      await withClient(this, ctx, async (client) => {
        const saved = await request<EdaSourceView>(client, 'PUT', source(name), { body });
        const what = saved.dataset ? `dataset '${saved.dataset.name}'` : saved.database ? `connection '${saved.database.conn_id}' (${saved.database.table ? `table ${saved.database.table}` : 'query'})` : saved.blob_key;
        ctx.io.out(`EDA source '${saved.name}' profiles ${what}${saved.format ? ` (${saved.format})` : ''}`);
      });
    });

  withTarget(eda.command('list').description('list EDA sources'), ctx)
    .addOption(outputOption())
    .action(async function (this: Command) {
      const { output } = this.opts<{ output: OutputFormat }>();
      await withClient(this, ctx, async (client) => {
        const answer = await request<{ eda_sources: EdaSourceView[] }>(client, 'GET', '/api/v1/edaSources');
        const columns: Column<EdaSourceView>[] = [
          { header: 'name', value: (s) => s.name },
          { header: 'source', value: edaOrigin },
          { header: 'format', value: (s) => s.format ?? '' },
        ];
        ctx.io.out(render(output, answer.eda_sources, columns));
      });
    });

  withTarget(eda.command('run').argument('<name>').description("generate the source's profiling DAG and trigger it (the running platform executes it)"), ctx)
    .addOption(new Option('-l, --level <level>', 'L0 (summary) or L1 (correlations and distributions)').choices(['L0', 'L1']).default('L0'))
    .option('--config-group <name>', 'AWS: the config group whose engine (EMR, EMR Serverless, Livy) runs the Spark profiler (default: the default group)')
    .action(async function (this: Command, name: string) {
      const { level, api, configGroup } = this.opts<{ level: string; api?: string; configGroup?: string }>();
      // A run writes a DAG file the platform must parse and execute: only a running platform's API can.
      if (!api) throw new UsageError('eda run goes through the API of a running platform: start skydag dev, sign in with skydag login --api http://localhost:8080, then add --api http://localhost:8080');
      await withClient(this, ctx, async (client) => {
        const run = await request<{ dag_id: string; dag_run_id: string; report_id: string; state?: string | null }>(client, 'POST', `${source(name)}/runs`, { body: { level, ...(configGroup === undefined ? {} : { config_group: configGroup }) } });
        // AWS, a new or changed generated DAG: the run is created once the deployer has deployed it.
        const what = run.state === 'deploying' ? `asked for ${run.dag_id} (run ${run.dag_run_id}, starting once its DAG file is deployed)` : `triggered ${run.dag_id} (run ${run.dag_run_id})`;
        ctx.io.out(`${what}; its report will be ${run.report_id}: skydag eda report ${name} ${run.report_id}`);
      });
    });

  withTarget(eda.command('reports').argument('<name>').description("list a source's reports, newest first, with the runs that write them (triggered by `eda run` or by hand)"), ctx)
    .addOption(outputOption())
    .action(async function (this: Command, name: string) {
      const { output } = this.opts<{ output: OutputFormat }>();
      await withClient(this, ctx, async (client) => {
        const answer = await request<{ reports: { report_id: string; level: string; ready: boolean; dag_run_id: string; state: string | null }[] }>(client, 'GET', `${source(name)}/reports`);
        ctx.io.out(
          render(output, answer.reports, [
            { header: 'report_id', value: (r) => r.report_id },
            { header: 'level', value: (r) => r.level },
            { header: 'ready', value: (r) => r.ready },
            { header: 'run', value: (r) => r.dag_run_id },
            { header: 'state', value: (r) => r.state ?? '' },
          ]),
        );
      });
    });

  withTarget(eda.command('report').argument('<name>').argument('<report_id>').description('write a report as HTML (or its JSON summary with --json)'), ctx)
    .option('--json', 'the JSON summary instead of HTML')
    .option('-O, --output-file <path>', 'where to write it (default: stdout)')
    .action(async function (this: Command, name: string, reportId: string) {
      const o = this.opts<{ json?: boolean; outputFile?: string }>();
      await withClient(this, ctx, async (client) => {
        const body = await request<Buffer>(client, 'GET', `${source(name)}/reports/${segment(reportId)}/${o.json ? 'summary' : 'html'}`, { binary: true });
        if (o.outputFile) {
          await writeFile(o.outputFile, body);
          ctx.io.out(`wrote ${o.outputFile}`);
        } else ctx.io.out(body.toString('utf8'));
      });
    });

  withTarget(eda.command('delete').argument('<name>').description('delete an EDA source and its reports'), ctx).action(async function (this: Command, name: string) {
    await withClient(this, ctx, async (client) => {
      await request(client, 'DELETE', source(name));
      ctx.io.out(`deleted EDA source '${name}'`);
    });
  });
}
