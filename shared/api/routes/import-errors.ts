/** Import errors: files of the DAGs folder that registered nothing, with every diagnostic (file:line:col). */
import type { ImportErrorRecord } from '../../model/records.js';
import { ORDER_BY_QUERY, PAGE_QUERY, pageOf, paginate, sortItems, timeOf, type PageQuery } from '../listing.js';
import { notFound } from '../problem.js';
import { defineRoute } from '../route.js';
import { filenameOfImportErrorId, serializeImportError } from '../serialize.js';

const ORDER: Record<string, (e: ImportErrorRecord) => string | number | null> = {
  import_error_id: (e) => e.filename,
  filename: (e) => e.filename,
  timestamp: (e) => timeOf(e.timestamp),
};

export const importErrorRoutes = [
  defineRoute<PageQuery, unknown>({
    id: 'get_import_errors',
    method: 'GET',
    path: '/api/v1/importErrors',
    access: { permissions: ['read:import_errors'] },
    summary: 'List import errors.',
    query: { type: 'object', properties: { ...PAGE_QUERY, ...ORDER_BY_QUERY } },
    async handle({ deps, query }) {
      const page = pageOf(query, deps);
      const sorted = sortItems((await deps.store.listImportErrors()).items, query.order_by, 'import_error_id', ORDER);
      return { import_errors: paginate(sorted, page).map(serializeImportError), total_entries: sorted.length };
    },
  }),
  defineRoute({
    id: 'get_import_error',
    method: 'GET',
    path: '/api/v1/importErrors/{import_error_id}',
    access: { permissions: ['read:import_errors'] },
    summary: 'Get an import error (its id is the base64url-encoded file name).',
    async handle({ deps, params }) {
      const filename = filenameOfImportErrorId(params.import_error_id!);
      const found = (await deps.store.listImportErrors()).items.find((e) => e.filename === filename);
      if (!found) throw notFound('Import error not found', `The ImportError with import_error_id: \`${params.import_error_id}\` was not found`);
      return serializeImportError(found);
    },
  }),
];
