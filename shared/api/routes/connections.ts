/**
 * Connections (Op). `password` is write-only: encrypted at rest and never returned by any endpoint.
 * `extra` (JSON object text) is encrypted at rest and returned with sensitive keys masked. In the
 * audit log both are always `***`.
 */
import type { ConnectionRecord } from '../../model/records.js';
import type { ApiDeps } from '../deps.js';
import { noContent } from '../http.js';
import { ORDER_BY_QUERY, PAGE_QUERY, pageOf, paginate, sortItems, type PageQuery } from '../listing.js';
import { STORED_VALUE_LIMITS } from '../limits.js';
import { alreadyExists, ApiError, badRequest, notFound } from '../problem.js';
import { defineRoute, type RouteContext } from '../route.js';
import { decryptConnection, encryptConnection, type PlainConnection } from '../secrets/records.js';
import { MASK, serializeConnection, serializeConnectionItem } from '../serialize.js';
import { redactByKey } from '../../secrets/masker.js';
import type { JsonSchema } from '../validation.js';
import { UPDATE_MASK_QUERY, updateMask } from './dags.js';
import { CONNECTION_SCHEMA, collectionSchema } from '../response-schemas.js';

interface ConnectionBody {
  connection_id: string;
  conn_type: string;
  description?: string | null;
  host?: string | null;
  login?: string | null;
  schema?: string | null;
  port?: number | null;
  password?: string | null;
  extra?: string | null;
}

/** Airflow's helpers.validate_key: alphanumerics, dashes, dots and underscores, at most 250 characters. */
const CONN_ID_SCHEMA: JsonSchema = { type: 'string', minLength: 1, maxLength: 250, pattern: '^[A-Za-z0-9_.-]+$' };
const nullableString: JsonSchema = { type: ['string', 'null'], maxBytes: STORED_VALUE_LIMITS.text };

const BODY: JsonSchema = {
  type: 'object',
  properties: {
    connection_id: CONN_ID_SCHEMA,
    conn_type: { type: 'string', minLength: 1, maxLength: 500 },
    description: nullableString,
    host: nullableString,
    login: nullableString,
    schema: nullableString,
    port: { type: ['integer', 'null'], minimum: 0, maximum: 65535 },
    password: { type: ['string', 'null'], maxBytes: STORED_VALUE_LIMITS.connectionPassword },
    extra: { type: ['string', 'null'], maxBytes: STORED_VALUE_LIMITS.connectionExtra },
  },
  required: ['connection_id', 'conn_type'],
  additionalProperties: false,
};

const UPDATABLE = ['conn_type', 'description', 'host', 'login', 'schema', 'port', 'password', 'extra'] as const;
type Updatable = (typeof UPDATABLE)[number];

const ORDER: Record<string, (c: ConnectionRecord) => string | number | null> = {
  connection_id: (c) => c.conn_id,
  conn_id: (c) => c.conn_id,
  id: (c) => c.conn_id,
  conn_type: (c) => c.conn_type,
  description: (c) => c.description,
  host: (c) => c.host,
  port: (c) => c.port,
};

function checkExtra(extra: string | null | undefined): void {
  if (extra === null || extra === undefined || extra === '') return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(extra);
  } catch {
    throw badRequest("field 'extra' must be a JSON object encoded as a string, e.g. \"{\\\"region\\\": \\\"eu-west-1\\\"}\"");
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest("field 'extra' must be a JSON object encoded as a string");
}

async function requireConnection(deps: ApiDeps, connId: string): Promise<PlainConnection> {
  const record = await deps.store.getConnection(connId);
  if (!record) throw notFound('Connection not found', `The Connection with connection_id: \`${connId}\` was not found`);
  return decryptConnection(deps.cipher, record);
}

/** Audit extra: password and extra are always masked, other sensitive-looking keys too. */
function auditBody(ctx: RouteContext<unknown, Partial<ConnectionBody> | undefined>) {
  const body = ctx.body;
  if (!body || typeof body !== 'object') return null;
  const masked = redactByKey(body) as Record<string, unknown>;
  if ('password' in body) masked.password = body.password === null ? null : MASK;
  if ('extra' in body) masked.extra = body.extra === null ? null : MASK;
  return masked;
}

/** Airflow's answer when [core] test_connection is not Enabled. */
export const TEST_CONNECTION_DISABLED = 'Testing connections is disabled in Airflow configuration. Contact your deployment admin to enable it.';

export const connectionRoutes = [
  defineRoute<Record<string, never>, ConnectionBody>({
    id: 'test_connection',
    method: 'POST',
    path: '/api/v1/connections/test',
    access: { permissions: ['create:connections'] },
    dags: 'none',
    summary: 'Test a connection without storing it: {status, message}. Disabled unless the platform enables it (as Airflow, 403 by default).',
    response: { type: 'object', properties: { status: { type: 'boolean' }, message: { type: 'string' } }, required: ['status', 'message'] },
    body: BODY,
    audit: { event: 'connection.test', extra: auditBody },
    async handle({ deps, body }) {
      if (!deps.connectionTester) throw new ApiError('PermissionDenied', TEST_CONNECTION_DISABLED);
      checkExtra(body.extra);
      return deps.connectionTester.test({ conn_type: body.conn_type, host: body.host ?? null, port: body.port ?? null, login: body.login ?? null, schema: body.schema ?? null });
    },
  }),
  defineRoute<PageQuery, unknown>({
    id: 'get_connections',
    method: 'GET',
    path: '/api/v1/connections',
    access: { permissions: ['read:connections'] },
    dags: 'none',
    summary: 'List connections (no password, no extra).',
    response: collectionSchema('connections', CONNECTION_SCHEMA),
    query: { type: 'object', properties: { ...PAGE_QUERY, ...ORDER_BY_QUERY } },
    async handle({ deps, query }) {
      const page = pageOf(query, deps);
      const sorted = sortItems((await deps.store.listConnections()).items, query.order_by, 'connection_id', ORDER);
      return {
        connections: paginate(sorted, page).map((r) => serializeConnectionItem({ ...r, password: null, extra: null })),
        total_entries: sorted.length,
      };
    },
  }),
  defineRoute({
    id: 'get_connection',
    method: 'GET',
    path: '/api/v1/connections/{connection_id}',
    access: { permissions: ['read:connections'] },
    dags: 'none',
    summary: 'Get a connection (extra with sensitive keys masked; never the password).',
    response: CONNECTION_SCHEMA,
    async handle({ deps, params }) {
      return serializeConnection(await requireConnection(deps, params.connection_id!));
    },
  }),
  defineRoute<Record<string, never>, ConnectionBody>({
    id: 'post_connection',
    method: 'POST',
    path: '/api/v1/connections',
    access: { permissions: ['create:connections'] },
    dags: 'none',
    summary: 'Create a connection.',
    response: CONNECTION_SCHEMA,
    body: BODY,
    audit: { event: 'connection.create', extra: auditBody },
    async handle({ deps, body }) {
      checkExtra(body.extra);
      if (await deps.store.getConnection(body.connection_id)) throw alreadyExists(`Connection already exist. ID: ${body.connection_id}`);
      const plain: PlainConnection = {
        conn_id: body.connection_id,
        conn_type: body.conn_type,
        description: body.description ?? null,
        host: body.host ?? null,
        schema: body.schema ?? null,
        login: body.login ?? null,
        password: body.password ?? null,
        port: body.port ?? null,
        extra: body.extra ?? null,
      };
      await deps.store.putConnection(encryptConnection(deps.cipher, plain));
      return serializeConnection(plain);
    },
  }),
  defineRoute<{ update_mask?: string[] }, ConnectionBody>({
    id: 'patch_connection',
    method: 'PATCH',
    path: '/api/v1/connections/{connection_id}',
    access: { permissions: ['edit:connections'] },
    dags: 'none',
    summary: 'Update a connection (update_mask names the fields; without it, the fields present in the body).',
    response: CONNECTION_SCHEMA,
    query: { type: 'object', properties: { ...UPDATE_MASK_QUERY } },
    body: BODY,
    audit: { event: 'connection.update', extra: auditBody },
    async handle({ deps, params, query, body }) {
      const connId = params.connection_id!;
      if (body.connection_id !== connId) throw badRequest('The connection_id cannot be updated.');
      checkExtra(body.extra);
      const mask = updateMask(query.update_mask);
      const unknown = mask?.filter((f) => !(UPDATABLE as readonly string[]).includes(f));
      if (unknown?.length) throw badRequest(`'${unknown.join("', '")}' is unknown or cannot be updated.`);
      const current = await requireConnection(deps, connId);
      const fields = (mask ?? UPDATABLE.filter((f) => f in body)) as Updatable[];
      const next: PlainConnection = { ...current };
      for (const field of fields) {
        const value = body[field];
        if (field === 'conn_type') next.conn_type = (value as string | undefined) ?? current.conn_type;
        else if (field === 'port') next.port = (value as number | null | undefined) ?? null;
        else next[field] = (value as string | null | undefined) ?? null;
      }
      await deps.store.putConnection(encryptConnection(deps.cipher, next));
      return serializeConnection(next);
    },
  }),
  defineRoute({
    id: 'delete_connection',
    method: 'DELETE',
    path: '/api/v1/connections/{connection_id}',
    access: { permissions: ['delete:connections'] },
    dags: 'none',
    summary: 'Delete a connection.',
    audit: { event: 'connection.delete' },
    async handle({ deps, params }) {
      if (!(await deps.store.deleteConnection(params.connection_id!))) {
        throw notFound('Connection not found', `The Connection with connection_id: \`${params.connection_id}\` was not found`);
      }
      return noContent();
    },
  }),
];
