/**
 * Import errors: files of the DAGs folder that registered nothing, with every diagnostic (file:line:col).
 * As in Airflow 2.10, a caller without read access to every DAG sees only the errors of files that
 * define a DAG it can read, and the diagnostics only when it can read every DAG of the file.
 */
import type { ImportErrorRecord } from '../../model/records.js';
import type { DagAccess } from '../auth/dag-access.js';
import { ORDER_BY_QUERY, PAGE_QUERY, pageOf, paginate, sortItems, timeOf, type PageQuery } from '../listing.js';
import { notFound } from '../problem.js';
import { collectionSchema, IMPORT_ERROR_SCHEMA } from '../response-schemas.js';
import { defineRoute } from '../route.js';
import { filenameOfImportErrorId, serializeImportError } from '../serialize.js';

const ORDER: Record<string, (e: ImportErrorRecord) => string | number | null> = {
  import_error_id: (e) => e.filename,
  filename: (e) => e.filename,
  timestamp: (e) => timeOf(e.timestamp),
};

/** Airflow's REDACTED_STACKTRACE. */
export const REDACTED_STACK_TRACE = 'REDACTED - you do not have read permission on all DAGs in the file';

/** The import errors the caller may see, serialized, diagnostics redacted where it reads only some of the file's DAGs. */
async function visible(access: DagAccess, errors: readonly ImportErrorRecord[]) {
  const shown = [];
  for (const e of errors) {
    const serialized = serializeImportError(e);
    if (access.holdsGlobally('can_read')) {
      shown.push(serialized);
      continue;
    }
    const defined = await access.definedIn(e.filename);
    const readable = access.allowed(defined).length;
    if (readable === 0) continue;
    shown.push(readable === defined.length ? serialized : { ...serialized, stack_trace: REDACTED_STACK_TRACE, diagnostics: [] });
  }
  return shown;
}

export const importErrorRoutes = [
  defineRoute<PageQuery, unknown>({
    id: 'get_import_errors',
    method: 'GET',
    path: '/api/v1/importErrors',
    access: { permissions: ['read:import_errors'] },
    dags: 'listed',
    summary: 'List import errors.',
    query: { type: 'object', properties: { ...PAGE_QUERY, ...ORDER_BY_QUERY } },
    response: collectionSchema('import_errors', IMPORT_ERROR_SCHEMA),
    async handle({ deps, dags, query }) {
      const page = pageOf(query, deps);
      const sorted = sortItems((await deps.store.listImportErrors()).items, query.order_by, 'import_error_id', ORDER);
      const shown = await visible(dags, sorted);
      return { import_errors: paginate(shown, page), total_entries: shown.length };
    },
  }),
  defineRoute({
    id: 'get_import_error',
    method: 'GET',
    path: '/api/v1/importErrors/{import_error_id}',
    access: { permissions: ['read:import_errors'] },
    dags: 'listed',
    summary: 'Get an import error (its id is the base64url-encoded file name).',
    response: IMPORT_ERROR_SCHEMA,
    async handle({ deps, dags, params }) {
      const filename = filenameOfImportErrorId(params.import_error_id!);
      const found = (await deps.store.listImportErrors()).items.filter((e) => e.filename === filename);
      const [shown] = await visible(dags, found);
      if (!shown) throw notFound('Import error not found', `The ImportError with import_error_id: \`${params.import_error_id}\` was not found`);
      return shown;
    },
  }),
];
