/**
 * `npm run bench`: measures what matters and prints numbers (no pass/fail thresholds).
 * Sections: DAG parsing + validation.
 */
import '../shared/polyfills.js';
import { benchParse } from './parse.js';

function printTable(title: string, rows: readonly Record<string, string | number>[]): void {
  console.log(`\n${title}`);
  if (rows.length === 0) return;
  const headers = Object.keys(rows[0]!);
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => String(r[h]).length)));
  console.log(headers.map((h, i) => h.padStart(widths[i]!)).join('  '));
  for (const row of rows) console.log(headers.map((h, i) => String(row[h]).padStart(widths[i]!)).join('  '));
}

function main(): void {
  console.log(`skydag bench — node ${process.version}, ${process.platform}/${process.arch}`);
  const parse = benchParse();
  printTable(
    'Parse + validate (Python front-end, best of 3)',
    parse.map((r) => ({ tasks: r.tasks, 'source KB': r.sourceKb, 'ms': r.parseValidateMs, 'ms/task': Math.round((r.parseValidateMs / r.tasks) * 1000) / 1000, 'heap delta MB': r.heapDeltaMb })),
  );
  const rss = process.memoryUsage().rss;
  console.log(`\npeak RSS ${Math.round(rss / 1e6)} MB`);
}

main();
