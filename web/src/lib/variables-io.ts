/**
 * Variables as a JSON file, in Airflow's format (`{"key": "value", …}`; non-string values are stored
 * as their JSON text, as `airflow variables import` does). Exports hold the values the API returns, so
 * sensitive values are `***`; importing never writes a `***` back over a real secret — such entries
 * are skipped and listed.
 */
import type { Variable } from '../api/types';

export const MASKED = '***';

export function exportVariables(variables: readonly Variable[]): string {
  const out: Record<string, string> = {};
  for (const v of [...variables].sort((a, b) => a.key.localeCompare(b.key))) out[v.key] = v.value;
  return `${JSON.stringify(out, null, 2)}\n`;
}

export interface ImportPlan {
  upserts: { key: string; value: string }[];
  skippedMasked: string[];
  errors: string[];
}

export function planImport(text: string): ImportPlan {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { upserts: [], skippedMasked: [], errors: [`The file is not valid JSON: ${(error as Error).message}`] };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { upserts: [], skippedMasked: [], errors: ['The file must hold one JSON object: {"key": "value", …}'] };
  }
  const plan: ImportPlan = { upserts: [], skippedMasked: [], errors: [] };
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (key.trim() === '') {
      plan.errors.push('A variable has an empty key');
      continue;
    }
    if (value === MASKED) {
      plan.skippedMasked.push(key);
      continue;
    }
    plan.upserts.push({ key, value: typeof value === 'string' ? value : JSON.stringify(value) });
  }
  return plan;
}
