/**
 * Request validation with ajv: JSON bodies (strict: unknown fields are refused, as Airflow's
 * marshmallow schemas do) and query parameters (coerced from strings). Every error names the field.
 * Integers are kept within ±(2^53 − 1) unless a schema says narrower, and `maxBytes` bounds the
 * stored size of a value (a 413, see limits.ts).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { checkJsonText, describeBytes, STORED_VALUE_REASON } from './limits.js';
import { ApiError, badRequest } from './problem.js';

/** The JSON Schema subset the routes use (plain objects, so the CDK stack can reuse them as models). */
export interface JsonSchema {
  type?: 'object' | 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'null' | readonly ('string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null')[];
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: readonly unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  pattern?: string;
  format?: 'date-time';
  /** skydag: the largest stored size in bytes (UTF-8 of a string, the JSON text of anything else); over it is a 413. */
  maxBytes?: number;
  default?: unknown;
  description?: string;
}

/** ISO-8601 date-time with a time part; a missing offset is read as UTC (Airflow's default time zone). */
export function parseDateTime(value: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(value.trim())) return undefined;
  let text = value.trim().replace(' ', 'T');
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) text += 'T00:00:00';
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(text)) text += 'Z';
  // JavaScript accepts at most millisecond precision: drop extra fraction digits.
  text = text.replace(/(\.\d{3})\d+/, '$1');
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const bodyAjv = new Ajv({ allErrors: true, strict: true, useDefaults: true });
const queryAjv = new Ajv({ allErrors: true, strict: true, useDefaults: true, coerceTypes: true });
/** The size a value is stored with: a string's UTF-8 bytes, anything else's JSON text. */
export const storedBytes = (value: unknown): number => Buffer.byteLength(typeof value === 'string' ? value : (JSON.stringify(value) ?? ''), 'utf8');

function maxBytes(limit: number, data: unknown): boolean {
  const size = storedBytes(data);
  if (size <= limit) return true;
  maxBytes.errors = [{ keyword: 'maxBytes', message: `is ${describeBytes(size)}`, params: { limit, size } }];
  return false;
}
maxBytes.errors = [] as Partial<ErrorObject>[];

for (const ajv of [bodyAjv, queryAjv]) {
  ajv.addFormat('date-time', { type: 'string', validate: (s: string) => parseDateTime(s) !== undefined });
  ajv.addKeyword({ keyword: 'maxBytes', schemaType: 'number', validate: maxBytes, errors: true });
}

/** A copy of `schema` whose integers without bounds are bounded to the safe range (beyond it, numbers are not exact). */
function withSafeIntegers(schema: JsonSchema): JsonSchema {
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  const out: JsonSchema = { ...schema };
  if (types.includes('integer')) {
    out.minimum ??= Number.MIN_SAFE_INTEGER;
    out.maximum ??= Number.MAX_SAFE_INTEGER;
  }
  if (schema.properties) out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, withSafeIntegers(v)]));
  if (schema.items) out.items = withSafeIntegers(schema.items);
  if (typeof schema.additionalProperties === 'object') out.additionalProperties = withSafeIntegers(schema.additionalProperties);
  return out;
}

const compiled = new WeakMap<JsonSchema, { body?: ValidateFunction; query?: ValidateFunction }>();

function validator(schema: JsonSchema, kind: 'body' | 'query'): ValidateFunction {
  const entry = compiled.get(schema) ?? {};
  compiled.set(schema, entry);
  entry[kind] ??= (kind === 'body' ? bodyAjv : queryAjv).compile(withSafeIntegers(schema) as object);
  return entry[kind]!;
}

function fieldName(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  return parts.join('.');
}

export interface FieldError {
  field: string;
  message: string;
}

export function describeErrors(errors: readonly ErrorObject[], where: 'body' | 'query'): FieldError[] {
  const label = where === 'body' ? 'field' : 'query parameter';
  const out: FieldError[] = [];
  for (const e of errors) {
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'required': {
        const field = fieldName(e.instancePath, String(params.missingProperty));
        out.push({ field, message: `${label} '${field}' is required` });
        break;
      }
      case 'additionalProperties': {
        const field = fieldName(e.instancePath, String(params.additionalProperty));
        out.push({ field, message: `unknown ${label} '${field}'` });
        break;
      }
      case 'type': {
        const field = fieldName(e.instancePath);
        out.push({ field, message: field ? `${label} '${field}' must be ${String(params.type)}` : `request body must be a JSON ${String(params.type)}` });
        break;
      }
      case 'enum': {
        const field = fieldName(e.instancePath);
        const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
        out.push({ field, message: `${label} '${field}' must be one of ${allowed}` });
        break;
      }
      case 'maxBytes': {
        const field = fieldName(e.instancePath);
        out.push({ field, message: `${label} '${field}' is ${describeBytes(Number(params.size))}; the limit is ${describeBytes(Number(params.limit))}` });
        break;
      }
      case 'format': {
        const field = fieldName(e.instancePath);
        out.push({ field, message: `${label} '${field}' must be an ISO-8601 date-time, e.g. 2024-01-31T00:00:00+00:00` });
        break;
      }
      default: {
        const field = fieldName(e.instancePath);
        out.push({ field, message: `${label} '${field}' ${e.message ?? 'is invalid'}` });
      }
    }
  }
  // ajv reports some problems once per failing branch; keep each message once.
  return out.filter((e, i) => out.findIndex((o) => o.message === e.message) === i);
}

function fail(errors: FieldError[]): never {
  throw badRequest(errors.map((e) => e.message).join('; '), { errors });
}

export function validateBody<T>(schema: JsonSchema, value: unknown): T {
  const validate = validator(schema, 'body');
  if (!validate(value)) {
    const errors = validate.errors ?? [];
    // Only sizes wrong: the value is fine but too large to store (413). Anything else is a 400 listing every error.
    if (errors.length && errors.every((e) => e.keyword === 'maxBytes')) {
      const described = describeErrors(errors, 'body');
      throw new ApiError('PayloadTooLarge', `${described.map((e) => e.message).join('; ')} (${STORED_VALUE_REASON})`, { extensions: { errors: described } });
    }
    fail(describeErrors(errors, 'body'));
  }
  return value as T;
}

/** Builds the query object the schema describes (arrays keep every value, scalars take the first) and validates it. */
export function validateQuery<T>(schema: JsonSchema, query: Readonly<Record<string, readonly string[]>>): T {
  const value: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const values = query[name];
    if (!values?.length) continue;
    value[name] = prop.type === 'array' ? [...values] : values[0];
  }
  const validate = validator(schema, 'query');
  if (!validate(value)) fail(describeErrors(validate.errors ?? [], 'query'));
  // Ajv coerces "1e400" to Infinity and lets it through a bounded integer: no store can hold it.
  const infinite = Object.entries(value).find(([, v]) => (Array.isArray(v) ? v : [v]).some((x) => typeof x === 'number' && !Number.isFinite(x)));
  if (infinite) fail([{ field: infinite[0], message: `query parameter '${infinite[0]}' must be a finite number` }]);
  return value as T;
}

/**
 * Parses a JSON body within the limits of limits.ts (depth, exact numbers); malformed JSON is a 400
 * that never echoes the body (it may hold secrets). An empty body is `options.empty` when given (a
 * route whose fields are all optional reads no body as `{}`), else a 400.
 */
export function parseJsonBody(body: Buffer | undefined, options: { empty?: unknown } = {}): unknown {
  if (body === undefined || body.length === 0) {
    if ('empty' in options) return options.empty;
    throw badRequest('request body is required (a JSON object)');
  }
  const text = body.toString('utf8');
  checkJsonText(text);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const position = /position (\d+)/.exec(String((error as Error).message))?.[1];
    throw badRequest(`request body is not valid JSON${position !== undefined ? ` (syntax error at character ${position})` : ''}`);
  }
}
