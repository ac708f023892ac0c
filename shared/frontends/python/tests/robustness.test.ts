/**
 * Robustness: randomly damaged versions of the acceptance fixtures must never make the front-end
 * throw or hit an internal evaluator error; they yield diagnostics instead.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from './helpers.js';

const ROOT = join(__dirname, '../../../../test/fixtures/dags');
const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.py') ? [p] : [];
  });

describe('robustness', () => {
  it('reports diagnostics (never throws, never fails internally) on damaged files', () => {
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const internal: string[] = [];
    let cases = 0;
    for (const path of walk(ROOT)) {
      const source = readFileSync(path, 'utf8');
      for (let k = 0; k < 12; k++) {
        const lines = source.split('\n');
        const i = Math.floor(rand() * lines.length);
        const op = rand();
        if (op < 0.3) lines.splice(i, 1);
        else if (op < 0.6) lines.splice(Math.floor(rand() * lines.length), 0, lines[i] ?? '');
        else {
          const l = lines[i] ?? '';
          const c = Math.floor(rand() * l.length);
          lines[i] = l.slice(0, c) + l.slice(c + 1 + Math.floor(rand() * 3));
        }
        const r = parse(lines.join('\n'));
        for (const d of r.diagnostics) if (/could not (evaluate|read)/.test(d.message)) internal.push(`${path}: ${d.message}`);
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(100);
    expect(internal).toEqual([]);
  });
});
