/**
 * Records ↔ items. An item is the record's fields as top-level attributes (so conditions and filters
 * can name them), plus the key attributes and internal attributes whose names start with `_`. Fields
 * whose shape the store does not own (a run's `conf`, a task instance's `rendered_fields`, an XCom
 * value, a DAG model) are stored as JSON text: DynamoDB maps reject empty keys, nest at most 32
 * levels and hold numbers the SDK cannot round-trip (> 2^53), and JSON text has none of those limits.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

import { GSI1_PK, GSI1_SK, GSI2_PK, GSI2_SK, PK, SK } from './keys.js';

export type Item = Record<string, unknown>;

/** Internal attributes (not record fields): `_kind` (what the item is), `_ord`/`_seq` (listing order), `_blob`/`_sealed_blob` (offloaded values). */
export const KIND = '_kind';
export const ORD = '_ord';
export const SEQ = '_seq';
/** A task instance's copy of its run's logical date (its place in the task-instances-by-DAG index). */
export const RUN_LOGICAL_DATE = '_run_logical_date';
export const BLOB = '_blob';
/** A sealed XCom value offloaded to the blob store (see shared/secrets/sealed.ts). */
export const SEALED_BLOB = '_sealed_blob';

const KEY_ATTRIBUTES = new Set([PK, SK, GSI1_PK, GSI1_SK, GSI2_PK, GSI2_SK]);

/** Per record kind: which fields are stored as JSON text. */
export interface Codec {
  kind: string;
  json: ReadonlySet<string>;
}

export const codec = (kind: string, ...json: string[]): Codec => ({ kind, json: new Set(json) });

/** A field's stored form. */
export function encodeField(c: Codec, field: string, value: unknown): unknown {
  return c.json.has(field) ? JSON.stringify(value) : stripUndefined(value);
}

/** The item for a record (without key attributes: the caller adds them). */
export function toItem(c: Codec, record: object): Item {
  const item: Item = { [KIND]: c.kind };
  for (const [field, value] of Object.entries(record)) {
    if (value !== undefined) item[field] = encodeField(c, field, value);
  }
  return item;
}

/** The record an item holds: key and internal attributes dropped, JSON fields parsed. */
export function fromItem<T>(c: Codec, item: Item): T {
  const record: Record<string, unknown> = {};
  for (const [attribute, value] of Object.entries(item)) {
    if (KEY_ATTRIBUTES.has(attribute) || attribute.startsWith('_')) continue;
    record[attribute] = c.json.has(attribute) && typeof value === 'string' ? JSON.parse(value) : value;
  }
  return record as T;
}

/** Drops `undefined` object properties at any depth (DynamoDB has no undefined; a missing field reads back the same). */
export function stripUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : stripUndefined(v)));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = stripUndefined(v);
    return out;
  }
  return value;
}

/**
 * Converts a low-level AttributeValue map (what a ConditionalCheckFailedException carries with
 * `ReturnValuesOnConditionCheckFailure: ALL_OLD`; the document client does not convert it) to plain values.
 */
export function fromAttributeMap(map: Record<string, AttributeValue>): Item {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, fromAttributeValue(v)]));
}

function fromAttributeValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.M !== undefined) return fromAttributeMap(value.M);
  if (value.L !== undefined) return value.L.map(fromAttributeValue);
  if (value.SS !== undefined) return new Set(value.SS);
  if (value.NS !== undefined) return new Set(value.NS.map(Number));
  if (value.B !== undefined) return value.B;
  if (value.BS !== undefined) return new Set(value.BS);
  return undefined;
}
