/**
 * Variables (Op): values are encrypted at rest (SecretCipher, bound to the key) and values of
 * sensitive keys (password, secret, token, api_key, ...) are masked as `***` in every response and in
 * the audit log. POST is an upsert, as Airflow's Variable.set.
 */
import type { VariableRecord } from '../../model/records.js';
import { isSensitiveKey } from '../../secrets/masker.js';
import type { ApiDeps } from '../deps.js';
import { noContent } from '../http.js';
import { ORDER_BY_QUERY, PAGE_QUERY, pageOf, paginate, sortItems, type PageQuery } from '../listing.js';
import { STORED_VALUE_LIMITS } from '../limits.js';
import { badRequest, notFound } from '../problem.js';
import { defineRoute, type RouteContext } from '../route.js';
import { encryptVariable, variableValue } from '../secrets/records.js';
import { MASK, serializeVariable } from '../serialize.js';
import type { JsonSchema } from '../validation.js';
import { UPDATE_MASK_QUERY, updateMask } from './dags.js';
import { VARIABLE_SCHEMA, collectionSchema } from '../response-schemas.js';

interface VariableBody {
  key: string;
  value?: string;
  description?: string | null;
}

const VARIABLE_FIELDS: Record<string, JsonSchema> = {
  key: { type: 'string', minLength: 1, maxLength: 250 },
  value: { type: 'string', maxBytes: STORED_VALUE_LIMITS.variableValue },
  description: { type: ['string', 'null'], maxBytes: STORED_VALUE_LIMITS.text },
};

const ORDER: Record<string, (v: VariableRecord) => string | null> = { key: (v) => v.key, id: (v) => v.key, description: (v) => v.description };

function serialize(deps: ApiDeps, record: VariableRecord) {
  return serializeVariable(record.key, variableValue(deps.cipher, record), record.description);
}

async function requireVariable(deps: ApiDeps, key: string): Promise<VariableRecord> {
  const record = await deps.store.getVariable(key);
  if (!record) throw notFound('Variable not found', `Variable with key: '${key}' does not exist`);
  return record;
}

/**
 * Has the DAG files whose current version read `key` while it was read (Dag.parse_variables) read
 * again, as Airflow's next parse would: the value shapes their model. Best effort: the variable is
 * written either way, and locally the folder's next rescan reads them too.
 */
async function rereadFilesReading(deps: ApiDeps, key: string): Promise<void> {
  const sink = deps.dagFiles;
  if (!sink.reread) return;
  const files = new Set<string>();
  for (let offset = 0; ; ) {
    const page = await deps.store.listDags({ includeInactive: false, offset, limit: 500 });
    for (const dag of page.items) if (dag.parse_variables?.includes(key)) files.add(dag.fileloc);
    offset += page.items.length;
    if (page.items.length === 0 || offset >= page.total) break;
  }
  for (const file of files) await sink.reread(file).catch(() => undefined);
}

/** The audit extra of a variable write: the value is masked when the key is sensitive. */
function auditBody(ctx: RouteContext<unknown, VariableBody | undefined>) {
  const body = ctx.body;
  if (!body || typeof body !== 'object') return null;
  const key = typeof body.key === 'string' ? body.key : (ctx.params.variable_key ?? '');
  const sensitive = isSensitiveKey(key) || isSensitiveKey(ctx.params.variable_key ?? '');
  return { ...body, ...('value' in body ? { value: sensitive ? MASK : body.value } : {}) };
}

export const variableRoutes = [
  defineRoute<PageQuery, unknown>({
    id: 'get_variables',
    method: 'GET',
    path: '/api/v1/variables',
    access: { permissions: ['read:variables'] },
    dags: 'none',
    summary: 'List variables (sensitive values masked).',
    response: collectionSchema('variables', VARIABLE_SCHEMA),
    query: { type: 'object', properties: { ...PAGE_QUERY, ...ORDER_BY_QUERY } },
    async handle({ deps, query }) {
      const page = pageOf(query, deps);
      const sorted = sortItems((await deps.store.listVariables()).items, query.order_by, 'key', ORDER);
      return { variables: paginate(sorted, page).map((v) => serialize(deps, v)), total_entries: sorted.length };
    },
  }),
  defineRoute({
    id: 'get_variable',
    method: 'GET',
    path: '/api/v1/variables/{variable_key}',
    access: { permissions: ['read:variables'] },
    dags: 'none',
    summary: 'Get a variable by key (sensitive values masked).',
    response: VARIABLE_SCHEMA,
    async handle({ deps, params }) {
      return serialize(deps, await requireVariable(deps, params.variable_key!));
    },
  }),
  defineRoute<Record<string, never>, VariableBody & { value: string }>({
    id: 'post_variables',
    method: 'POST',
    path: '/api/v1/variables',
    access: { permissions: ['create:variables'] },
    dags: 'none',
    summary: 'Create (or overwrite) a variable.',
    response: VARIABLE_SCHEMA,
    body: {
      type: 'object',
      properties: VARIABLE_FIELDS,
      required: ['key', 'value'],
      additionalProperties: false,
    },
    audit: { event: 'variable.create', extra: auditBody },
    async handle({ deps, body, audit }) {
      const existing = await deps.store.getVariable(body.key);
      if (existing) audit.event = 'variable.update';
      const record = encryptVariable(deps.cipher, body.key, body.value, body.description ?? existing?.description ?? null);
      await deps.store.putVariable(record);
      await rereadFilesReading(deps, body.key);
      return serialize(deps, record);
    },
  }),
  defineRoute<{ update_mask?: string[] }, VariableBody>({
    id: 'patch_variable',
    method: 'PATCH',
    path: '/api/v1/variables/{variable_key}',
    access: { permissions: ['edit:variables'] },
    dags: 'none',
    summary: 'Update a variable (update_mask: value, description).',
    response: VARIABLE_SCHEMA,
    query: { type: 'object', properties: { ...UPDATE_MASK_QUERY } },
    body: {
      type: 'object',
      properties: VARIABLE_FIELDS,
      required: ['key'],
      additionalProperties: false,
    },
    audit: { event: 'variable.update', extra: auditBody },
    async handle({ deps, params, query, body }) {
      const key = params.variable_key!;
      if (body.key !== key) throw badRequest("key from request body doesn't match uri parameter", undefined, 'Invalid post body');
      const mask = updateMask(query.update_mask);
      const bad = mask?.filter((f) => f !== 'value' && f !== 'description');
      if (bad?.length) throw badRequest(`update_mask may only name 'value' and 'description' (got: ${bad.join(', ')})`);
      const current = await requireVariable(deps, key);
      const fields = mask ?? ['value', ...('description' in body ? ['description'] : [])];
      if (fields.includes('value') && body.value === undefined) throw badRequest("field 'value' is required");
      const value = fields.includes('value') ? body.value! : variableValue(deps.cipher, current);
      const description = fields.includes('description') ? (body.description ?? null) : current.description;
      const record = encryptVariable(deps.cipher, key, value, description);
      await deps.store.putVariable(record);
      if (fields.includes('value')) await rereadFilesReading(deps, key);
      return serialize(deps, record);
    },
  }),
  defineRoute({
    id: 'delete_variable',
    method: 'DELETE',
    path: '/api/v1/variables/{variable_key}',
    access: { permissions: ['delete:variables'] },
    dags: 'none',
    summary: 'Delete a variable.',
    audit: { event: 'variable.delete' },
    async handle({ deps, params }) {
      if (!(await deps.store.deleteVariable(params.variable_key!))) {
        throw notFound('Variable not found', `Variable with key: '${params.variable_key}' does not exist`);
      }
      await rereadFilesReading(deps, params.variable_key!);
      return noContent();
    },
  }),
];
