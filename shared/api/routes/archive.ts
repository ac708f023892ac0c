/**
 * The platform archive (skydag; Couture's import/export, couture-reference §3.3, without its bugs §6.1–6.3):
 * - POST /api/v1/export: everything as a tar.gz (shared/transfer/layout.ts); secrets only sealed with
 *   the `passphrase` of the body (scrypt + AES-GCM), otherwise left out.
 * - POST /api/v1/import?dry_run=: the archive as the raw body (the passphrase in the
 *   `X-Skydag-Archive-Passphrase` header) or as multipart/form-data (`archive` file, `passphrase`
 *   field). Checked whole first; `dry_run` (the default) answers what would change, `dry_run=false`
 *   applies it whole or not at all. A refusal is a 400 that changes nothing.
 * Admin only; both audited (counts, never the passphrase or a secret).
 */
import { exportPlatform } from '../../transfer/export.js';
import { importPlatform, type ImportReport } from '../../transfer/import.js';
import { MAX_ARCHIVE_UNPACKED_BYTES, PASSPHRASE_HEADER, TransferError } from '../../transfer/layout.js';
import { KINDS } from '../../transfer/plan.js';
import { isGzip } from '../../util/tar.js';
import { multipartBoundary, parseMultipart } from '../multipart.js';
import { badRequest } from '../problem.js';
import { defineRoute } from '../route.js';
import type { JsonSchema } from '../validation.js';

/**
 * HTTP requests stop at 6 MB before they get here (API Gateway → Lambda, and `skydag dev` alike); the
 * local CLI calls the API in-process, so larger archives go through it, up to what an archive may unpack to.
 */
const MAX_ARCHIVE_REQUEST_BYTES = MAX_ARCHIVE_UNPACKED_BYTES;

async function transferErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof TransferError) throw badRequest(error.message, undefined, 'Invalid archive');
    throw error;
  }
}

const NAMES: JsonSchema = { type: 'array', items: { type: 'string' } };
const CHANGES: JsonSchema = { type: 'object', properties: { create: NAMES, update: NAMES, unchanged: NAMES }, required: ['create', 'update', 'unchanged'] };
const IMPORT_REPORT: JsonSchema = {
  type: 'object',
  properties: {
    dry_run: { type: 'boolean' },
    applied: { type: 'boolean' },
    secrets: { type: 'string', enum: ['sealed', 'omitted'] },
    changes: { type: 'object', properties: Object.fromEntries(KINDS.map((k) => [k, CHANGES])) },
    notes: NAMES,
  },
  required: ['dry_run', 'applied', 'secrets', 'changes', 'notes'],
};

const counts = (report: ImportReport) =>
  Object.fromEntries(Object.entries(report.changes).map(([kind, c]) => [kind, { create: c.create.length, update: c.update.length, unchanged: c.unchanged.length }]));

export const archiveRoutes = [
  defineRoute<Record<string, never>, { passphrase?: string }>({
    id: 'post_export',
    method: 'POST',
    path: '/api/v1/export',
    access: { permissions: ['read:platform_archive'] },
    dags: 'none',
    summary: 'Export the platform as a tar.gz: DAG files and their versions, config groups, artifacts, variables, connections, pools, roles, users (no password hashes); secrets sealed with the passphrase, or left out (skydag).',
    body: { type: 'object', properties: { passphrase: { type: 'string', minLength: 1, maxLength: 1024 } }, additionalProperties: false },
    responseContentType: 'application/gzip',
    audit: { event: 'platform.export', extra: () => null },
    async handle({ deps, body, audit }) {
      const { archive, summary } = await transferErrors(() => exportPlatform(deps, body.passphrase === undefined ? {} : { passphrase: body.passphrase }));
      audit.extra = { ...summary, bytes: archive.length };
      const stamp = deps.clock().toISOString().slice(0, 19).replace(/[-:]/g, '');
      return { status: 200, headers: { 'content-type': 'application/gzip', 'content-disposition': `attachment; filename="skydag-${stamp}.tar.gz"` }, body: archive };
    },
  }),
  defineRoute<{ dry_run?: boolean }, unknown>({
    id: 'post_import',
    method: 'POST',
    path: '/api/v1/import',
    access: { permissions: ['edit:platform_archive'] },
    dags: 'none',
    summary: `Import a platform archive (raw tar.gz body, passphrase in ${PASSPHRASE_HEADER}; or multipart 'archive' + 'passphrase'); dry_run (default true) answers what would change, dry_run=false applies it whole or not at all (skydag).`,
    query: { type: 'object', properties: { dry_run: { type: 'boolean', description: 'true (default): only check and report; false: apply' } } },
    body: 'raw',
    maxBodyBytes: MAX_ARCHIVE_REQUEST_BYTES,
    response: IMPORT_REPORT,
    audit: { event: 'platform.import', extra: () => null },
    async handle({ deps, request, query, audit }) {
      let archive = request.body ?? Buffer.alloc(0);
      let passphrase = request.headers[PASSPHRASE_HEADER];
      const boundary = multipartBoundary(request.headers['content-type']);
      if (boundary) {
        const parts = parseMultipart(archive, boundary);
        const file = parts.find((p) => p.name === 'archive');
        if (!file) throw badRequest("multipart body has no 'archive' part");
        archive = file.data;
        const field = parts.find((p) => p.name === 'passphrase' && p.filename === undefined);
        if (field && field.data.length) passphrase = field.data.toString('utf8');
      }
      if (!archive.length) throw badRequest('send the .tar.gz archive (skydag export) as the request body');
      if (!isGzip(archive)) throw badRequest('not a gzip file (expected a .tar.gz archive made by skydag export)', undefined, 'Invalid archive');
      const dryRun = query.dry_run !== false;
      audit.extra = { dry_run: dryRun, bytes: archive.length };
      const report = await transferErrors(() => importPlatform(deps, archive, { dryRun, ...(passphrase ? { passphrase } : {}) }));
      audit.extra = { dry_run: dryRun, bytes: archive.length, changes: counts(report) };
      return report;
    },
  }),
];
