/**
 * Pools (Op). `default_pool` (128 slots, as Airflow's default) always exists: it is created on first
 * use, can be resized but neither renamed nor deleted. Slot usage is counted from the task instances
 * of queued and running runs.
 */
import type { PoolRecord } from '../../model/records.js';
import type { ConfigStore } from '../../stores/metadata.js';
import type { ApiDeps } from '../deps.js';
import { noContent } from '../http.js';
import { ORDER_BY_QUERY, PAGE_QUERY, pageOf, paginate, sortItems, type PageQuery } from '../listing.js';
import { STORED_VALUE_LIMITS } from '../limits.js';
import { alreadyExists, badRequest, notFound } from '../problem.js';
import { defineRoute } from '../route.js';
import { serializePool, type PoolUsage } from '../serialize.js';
import type { JsonSchema } from '../validation.js';
import { UPDATE_MASK_QUERY, updateMask } from './dags.js';
import { POOL_SCHEMA, collectionSchema } from '../response-schemas.js';

export const DEFAULT_POOL_NAME = 'default_pool';
export const DEFAULT_POOL_SLOTS = 128;

/** Creates `default_pool` when missing (idempotent; call at start-up or rely on the pool endpoints doing it). */
export async function ensureDefaultPool(store: Pick<ConfigStore, 'getPool' | 'putPool'>): Promise<void> {
  if (!(await store.getPool(DEFAULT_POOL_NAME))) await store.putPool({ name: DEFAULT_POOL_NAME, slots: DEFAULT_POOL_SLOTS, description: 'Default pool' });
}

/** Pool sizes as the runtime enforces them (RuntimeDeps.pools): the stored pool, `default_pool` before it is stored. */
export function storedPoolSizes(store: Pick<ConfigStore, 'getPool'>): { slots(pool: string): Promise<number | undefined> } {
  return { slots: async (pool) => (await store.getPool(pool))?.slots ?? (pool === DEFAULT_POOL_NAME ? DEFAULT_POOL_SLOTS : undefined) };
}

interface PoolBody {
  name?: string;
  slots?: number;
  description?: string | null;
  include_deferred?: boolean;
}

const POOL_NAME: JsonSchema = { type: 'string', minLength: 1, maxLength: 256 };
const POOL_BODY: JsonSchema = {
  type: 'object',
  properties: {
    name: POOL_NAME,
    slots: { type: 'integer', minimum: -1, description: '-1 means unlimited' },
    description: { type: ['string', 'null'], maxBytes: STORED_VALUE_LIMITS.text },
    include_deferred: { type: 'boolean' },
  },
  additionalProperties: false,
};

const ORDER: Record<string, (p: PoolRecord) => string | number | null> = { name: (p) => p.name, id: (p) => p.name, pool: (p) => p.name, slots: (p) => p.slots };

const EMPTY: PoolUsage = { running: 0, queued: 0, scheduled: 0, deferred: 0 };

/** Slots taken per pool by task instances of unfinished runs. */
async function poolUsage(deps: ApiDeps): Promise<Map<string, PoolUsage>> {
  const usage = new Map<string, PoolUsage>();
  // Only unfinished runs hold pool slots: the active-runs index lists them (not every DAG's history).
  for (const run of await deps.store.listActiveDagRuns()) {
    for (const ti of await deps.store.listTaskInstances(run.dag_id, run.run_id)) {
      const key = ti.state === 'running' ? 'running' : ti.state === 'queued' ? 'queued' : ti.state === 'scheduled' ? 'scheduled' : ti.state === 'deferred' ? 'deferred' : undefined;
      if (!key) continue;
      const u = usage.get(ti.pool) ?? { ...EMPTY };
      u[key] += ti.pool_slots;
      usage.set(ti.pool, u);
    }
  }
  return usage;
}

async function requirePool(deps: ApiDeps, name: string): Promise<PoolRecord> {
  if (name === DEFAULT_POOL_NAME) await ensureDefaultPool(deps.store);
  const pool = await deps.store.getPool(name);
  if (!pool) throw notFound('Pool not found', `Pool with name:'${name}' not found`);
  return pool;
}

export const poolRoutes = [
  defineRoute<PageQuery, unknown>({
    id: 'get_pools',
    method: 'GET',
    path: '/api/v1/pools',
    access: { permissions: ['read:pools'] },
    dags: 'none',
    summary: 'List pools with their slot usage.',
    response: collectionSchema('pools', POOL_SCHEMA),
    query: { type: 'object', properties: { ...PAGE_QUERY, ...ORDER_BY_QUERY } },
    async handle({ deps, query }) {
      const page = pageOf(query, deps);
      await ensureDefaultPool(deps.store);
      const sorted = sortItems((await deps.store.listPools()).items, query.order_by, 'name', ORDER);
      const usage = await poolUsage(deps);
      return { pools: paginate(sorted, page).map((p) => serializePool(p, usage.get(p.name) ?? EMPTY)), total_entries: sorted.length };
    },
  }),
  defineRoute({
    id: 'get_pool',
    method: 'GET',
    path: '/api/v1/pools/{pool_name}',
    access: { permissions: ['read:pools'] },
    dags: 'none',
    summary: 'Get a pool.',
    response: POOL_SCHEMA,
    async handle({ deps, params }) {
      const pool = await requirePool(deps, params.pool_name!);
      return serializePool(pool, (await poolUsage(deps)).get(pool.name) ?? EMPTY);
    },
  }),
  defineRoute<Record<string, never>, Required<Pick<PoolBody, 'name' | 'slots'>> & PoolBody>({
    id: 'post_pool',
    method: 'POST',
    path: '/api/v1/pools',
    access: { permissions: ['create:pools'] },
    dags: 'none',
    summary: 'Create a pool.',
    response: POOL_SCHEMA,
    body: { ...POOL_BODY, required: ['name', 'slots'] },
    audit: { event: 'pool.create' },
    async handle({ deps, body }) {
      if (body.include_deferred) throw badRequest('include_deferred is not supported: skydag has no deferred tasks');
      if (body.name === DEFAULT_POOL_NAME) await ensureDefaultPool(deps.store);
      if (await deps.store.getPool(body.name)) throw alreadyExists(`Pool: ${body.name} already exists`);
      const pool: PoolRecord = { name: body.name, slots: body.slots, description: body.description ?? null };
      await deps.store.putPool(pool);
      return serializePool(pool, EMPTY);
    },
  }),
  defineRoute<{ update_mask?: string[] }, PoolBody>({
    id: 'patch_pool',
    method: 'PATCH',
    path: '/api/v1/pools/{pool_name}',
    access: { permissions: ['edit:pools'] },
    dags: 'none',
    summary: 'Update a pool (update_mask: name, slots, description).',
    response: POOL_SCHEMA,
    query: { type: 'object', properties: { ...UPDATE_MASK_QUERY } },
    body: POOL_BODY,
    audit: { event: 'pool.update' },
    async handle({ deps, params, query, body }) {
      const name = params.pool_name!;
      const mask = updateMask(query.update_mask);
      const unknown = mask?.filter((f) => !['name', 'slots', 'description', 'include_deferred'].includes(f));
      if (unknown?.length) throw badRequest(`Invalid field(s) in update_mask: ${unknown.join(', ')}`);
      const fields = mask ?? (['name', 'slots', 'description'] as const).filter((f) => f in body);
      if (body.include_deferred) throw badRequest('include_deferred is not supported: skydag has no deferred tasks');
      const current = await requirePool(deps, name);
      const next: PoolRecord = { ...current };
      if (fields.includes('name') && body.name !== undefined) next.name = body.name;
      if (fields.includes('slots')) {
        if (body.slots === undefined) throw badRequest("field 'slots' is required when update_mask names it");
        next.slots = body.slots;
      }
      if (fields.includes('description')) next.description = body.description ?? null;
      if (name === DEFAULT_POOL_NAME && next.name !== DEFAULT_POOL_NAME) throw badRequest("Default Pool's name can't be modified");
      if (next.name !== name) {
        if (await deps.store.getPool(next.name)) throw alreadyExists(`Pool: ${next.name} already exists`);
        await deps.store.putPool(next);
        await deps.store.deletePool(name);
      } else await deps.store.putPool(next);
      return serializePool(next, (await poolUsage(deps)).get(next.name) ?? EMPTY);
    },
  }),
  defineRoute({
    id: 'delete_pool',
    method: 'DELETE',
    path: '/api/v1/pools/{pool_name}',
    access: { permissions: ['delete:pools'] },
    dags: 'none',
    summary: 'Delete a pool (not default_pool).',
    audit: { event: 'pool.delete' },
    async handle({ deps, params }) {
      if (params.pool_name === DEFAULT_POOL_NAME) throw badRequest("Default Pool can't be deleted");
      if (!(await deps.store.deletePool(params.pool_name!))) throw notFound('Pool not found', `Pool with name:'${params.pool_name}' not found`);
      return noContent();
    },
  }),
];
