/**
 * The EDA report: HTML rendered here from the profiler's JSON summary (shared/python/skydag_eda/).
 * The summary is data from the profiled table (column names, values), so it is untrusted: every text
 * is HTML-escaped, every number checked to be a finite number, charts are inline SVG built from
 * numbers only, and the page has no script at all. The API serves it with REPORT_CSP, which forbids
 * scripts, external loads and framing by other origins even if something slipped through.
 */

export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Json = Record<string, unknown>;

const asObject = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function fmt(v: unknown): string {
  const n = num(v);
  if (n !== null) return Number.isInteger(n) ? String(n) : n.toPrecision(6).replace(/\.?0+$/, '');
  return v === null || v === undefined ? '—' : escapeHtml(v);
}

/** Bars as an inline SVG (heights from the counts only). */
function bars(items: { label: string; count: number }[]): string {
  if (items.length === 0) return '';
  const max = Math.max(1, ...items.map((i) => i.count));
  const width = 12;
  const height = 60;
  const rects = items
    .map((item, i) => {
      const h = Math.round((item.count / max) * height);
      return `<rect x="${i * (width + 2)}" y="${height - h}" width="${width}" height="${h}"><title>${escapeHtml(item.label)}: ${item.count}</title></rect>`;
    })
    .join('');
  return `<svg class="bars" width="${items.length * (width + 2)}" height="${height}" role="img" aria-label="histogram">${rects}</svg>`;
}

function histogramItems(v: unknown): { label: string; count: number }[] {
  return asArray(v).map((b) => {
    const bin = asObject(b);
    return { label: `${fmt(bin.from)} – ${fmt(bin.to)}`, count: num(bin.count) ?? 0 };
  });
}

function valueItems(v: unknown): { label: string; count: number }[] {
  return asArray(v).map((b) => {
    const item = asObject(b);
    return { label: String(item.value ?? ''), count: num(item.count) ?? 0 };
  });
}

function columnSection(c: Json): string {
  const named: [string, unknown][] = [
    ['type', c.type],
    ['non-null', c.count],
    ['nulls', c.nulls],
    ['distinct', c.distinct],
    ['min', c.min],
    ['max', c.max],
    ['mean', c.mean],
    ['std', c.std],
  ];
  const quantiles = Object.entries(asObject(c.quantiles)).map(([q, v]): [string, unknown] => [`p${q.replace('%', '')}`, v]);
  const stats = [...named, ...quantiles].filter(([, v]) => v !== undefined);
  const top = valueItems(c.top_values);
  const distribution = asArray(c.distribution);
  const distributionItems = distribution.length > 0 && 'from' in asObject(distribution[0]) ? histogramItems(distribution) : valueItems(distribution);
  return [
    `<section class="column"><h3>${escapeHtml(c.name)}</h3>`,
    `<table class="stats"><tbody>${stats.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${fmt(v)}</td></tr>`).join('')}</tbody></table>`,
    top.length ? `<table class="top"><thead><tr><th>top value</th><th>count</th></tr></thead><tbody>${top.map((t) => `<tr><td>${escapeHtml(t.label)}</td><td>${t.count}</td></tr>`).join('')}</tbody></table>` : '',
    c.histogram !== undefined ? `<div class="chart"><h4>histogram</h4>${bars(histogramItems(c.histogram))}</div>` : '',
    distribution.length ? `<div class="chart"><h4>distribution</h4>${bars(distributionItems)}</div>` : '',
    '</section>',
  ].join('');
}

function correlationTable(v: unknown): string {
  const corr = asObject(v);
  const columns = asArray(corr.columns).map(String);
  const matrix = asArray(corr.matrix).map(asArray);
  if (columns.length === 0) return '<p>Fewer than two numeric columns: no correlations.</p>';
  const cell = (x: unknown) => {
    const n = num(x);
    const shade = n === null ? 0 : Math.round(Math.abs(n) * 60);
    return `<td style="background: hsl(${n !== null && n < 0 ? 0 : 210}, 70%, ${100 - shade}%)">${fmt(x)}</td>`;
  };
  return `<table class="corr"><thead><tr><th></th>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>${columns
    .map((c, i) => `<tr><th>${escapeHtml(c)}</th>${columns.map((_, j) => cell(matrix[i]?.[j])).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:1.5rem;color:#1b1f24}table{border-collapse:collapse;margin:.4rem 0}th,td{border:1px solid #d0d7de;padding:.2rem .5rem;text-align:left}
.column{border-top:1px solid #d0d7de;padding:.5rem 0}.column h3{margin:.3rem 0}.bars rect{fill:#0969da}.chart{display:inline-block;margin-right:2rem;vertical-align:top}h4{margin:.2rem 0;font-weight:normal;color:#57606a}`;

/** The whole report page for a summary (whatever it holds: malformed parts are shown as missing). */
export function renderReport(summary: unknown, title: string): string {
  const s = asObject(summary);
  const columns = asArray(s.column_profiles).map(asObject);
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(REPORT_CSP)}">`,
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${escapeHtml(title)}</h1>`,
    `<p>${fmt(s.rows)} rows × ${fmt(s.columns)} columns · level ${escapeHtml(s.level)}</p>`,
    s.correlations !== undefined ? `<h2>Correlations (Pearson)</h2>${correlationTable(s.correlations)}` : '',
    `<h2>Columns</h2>${columns.map(columnSection).join('')}`,
    '</body></html>',
  ].join('\n');
}
