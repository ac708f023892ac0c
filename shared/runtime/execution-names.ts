/**
 * Step Functions execution names: 1–80 characters of [A-Za-z0-9-_], unique per state machine for 90
 * days. Run ids are not (`manual__2024-01-01T00:00:00+00:00` has `:` and `+`), and a run that is
 * cleared or recovered needs a new execution, so the name is the sanitised run id plus the run's
 * generation and a short hash of the exact dag_id, run_id and generation: deterministic (a retried
 * StartExecution with the same name is idempotent in Step Functions) and collision-resistant (run ids
 * that sanitise alike, or differ only past the cut, still get different names).
 */
import { createHash } from 'node:crypto';

export const EXECUTION_NAME_MAX = 80;

export function executionName(run: { dag_id: string; run_id: string }, generation: number): string {
  if (!Number.isInteger(generation) || generation < 0) throw new RangeError(`execution generation must be a whole number ≥ 0 (got ${generation})`);
  const hash = createHash('sha256').update(`${run.dag_id}\u0000${run.run_id}\u0000${generation}`).digest('hex').slice(0, 12);
  const suffix = `-g${generation}-${hash}`;
  const safe = run.run_id.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return `${safe.slice(0, EXECUTION_NAME_MAX - suffix.length)}${suffix}`;
}
