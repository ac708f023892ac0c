/** Checks a DAG model document against the published JSON schema (for models that arrive as JSON). */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Dag } from '../model/schema.js';
// The schema compiled ahead of time (`npm run schema`, see dag-validator-source.ts): compiling it at
// run time cost a few hundred milliseconds of every process that read a DAG file.
import { validate as generatedValidator } from './dag-validator.generated.js';

const validate = generatedValidator as unknown as ValidateFunction;

/** One readable message per offending location (unions report one error per alternative otherwise). */
function summarise(errors: readonly ErrorObject[]): string[] {
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors) byPath.set(e.instancePath || '/', [...(byPath.get(e.instancePath || '/') ?? []), e]);
  return [...byPath].map(([path, list]) => {
    const allowed = list.filter((e) => e.keyword === 'const').map((e) => JSON.stringify((e.params as { allowedValue: unknown }).allowedValue));
    if (allowed.length > 1) return `${path} must be one of ${allowed.join(', ')}`;
    const specific = list.find((e) => e.keyword !== 'anyOf') ?? list[0]!;
    return `${path} ${specific.message ?? 'is invalid'}`;
  });
}

/** Human-readable schema violations (empty when the document is a valid DAG model). */
export function schemaProblems(dag: unknown): string[] {
  if (validate(dag)) return [];
  return summarise(validate.errors ?? []).slice(0, 20);
}

export function isDagModel(value: unknown): value is Dag {
  return validate(value);
}
