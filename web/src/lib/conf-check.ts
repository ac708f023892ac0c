/**
 * Checking a trigger's conf before it is sent: valid JSON (with the line and column of a syntax
 * error), a JSON object (Airflow's `conf` is a dict), and against the DAG's params: a key the DAG
 * declares should have the type of its default (a warning: Airflow passes conf through as given),
 * and keys the DAG does not declare are pointed out (they still reach `dag_run.conf`).
 */

export interface ConfProblem {
  severity: 'error' | 'warning' | 'info';
  message: string;
  line?: number;
  col?: number;
}

export interface ConfCheck {
  conf: Record<string, unknown> | null;
  problems: ConfProblem[];
}

/** Line and column (1-based) of a character offset. */
export function lineColAt(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, col: lines[lines.length - 1]!.length + 1 };
}

function syntaxError(text: string, error: Error): ConfProblem {
  const message = error.message;
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) return { severity: 'error', message: `Invalid JSON: ${message}`, line: Number(lc[1]), col: Number(lc[2]) };
  const pos = /position (\d+)/.exec(message);
  if (pos) return { severity: 'error', message: `Invalid JSON: ${message}`, ...lineColAt(text, Number(pos[1])) };
  return { severity: 'error', message: `Invalid JSON: ${message}` };
}

export const jsonType = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

const withArticle = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

export function checkConf(text: string, params: Record<string, unknown>): ConfCheck {
  if (text.trim() === '') return { conf: {}, problems: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { conf: null, problems: [syntaxError(text, error as Error)] };
  }
  if (jsonType(parsed) !== 'object') return { conf: null, problems: [{ severity: 'error', message: `conf must be a JSON object ({…}), not ${jsonType(parsed)}` }] };
  const conf = parsed as Record<string, unknown>;
  const problems: ConfProblem[] = [];
  for (const [key, value] of Object.entries(conf)) {
    if (!(key in params)) {
      problems.push({ severity: 'info', message: `'${key}' is not a param of this DAG: tasks read it as dag_run.conf['${key}']` });
      continue;
    }
    const expected = jsonType(params[key]);
    const given = jsonType(value);
    if (expected !== 'null' && given !== 'null' && expected !== given) {
      problems.push({ severity: 'warning', message: `'${key}' is ${withArticle(given)}, but the param's default is ${withArticle(expected)}` });
    }
  }
  return { conf, problems };
}

/** The conf a trigger form starts with: the DAG's params with their defaults (masked values left out). */
export function defaultConf(params: Record<string, unknown>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== '***');
  return entries.length ? JSON.stringify(Object.fromEntries(entries), null, 2) : '{}';
}
