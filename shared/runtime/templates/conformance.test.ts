/**
 * Renders every case of `conformance.fixture.ts` and compares with what Python Jinja produced: the
 * exact text, the native value, or the Python exception type.
 */
import { CONFORMANCE_CASES, CONFORMANCE_CONTEXT, type ConformanceCase } from './conformance.fixture.js';
import { TemplateError } from './errors.js';
import { createMacros } from './macros.js';
import { renderTemplate } from './render.js';

function contextValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(contextValue);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.$type === 'macros') return createMacros({ now: () => new Date('2024-01-01T00:00:00Z') });
    if (o.$type === 'datetime' || o.$type === 'timedelta') return o;
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, contextValue(x)]));
  }
  return v;
}
const CONTEXT = Object.fromEntries(Object.entries(CONFORMANCE_CONTEXT).map(([k, v]) => [k, contextValue(v)]));

/** Python's JSON markers to plain values; skydag's tagged datetimes to the same `{$dt}` marker. */
function normalise(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalise);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.$float === 'string') return Number(o.$float);
    if (o.$type === 'datetime') return { $dt: o.value };
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, normalise(x)]));
  }
  return v;
}

function run(c: ConformanceCase): { ok: unknown } | { error: string } {
  try {
    const value = renderTemplate(c.template, CONTEXT, { native: c.mode === 'native', undefined: c.mode === 'strict' ? 'strict' : 'lenient' });
    return { ok: normalise(value) };
  } catch (err) {
    if (err instanceof TemplateError) return { error: err.pyType ?? 'unknown' };
    throw err;
  }
}

describe('conformance with Python Jinja 3.1.6', () => {
  it.each(CONFORMANCE_CASES.map((c) => [c.mode, c.template, c] as const))('[%s] %s', (_mode, _template, c) => {
    const result = run(c);
    if (c.error !== undefined) expect(result).toEqual({ error: c.error });
    else expect(result).toEqual({ ok: normalise(c.ok) });
  });
});
