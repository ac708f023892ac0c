/** What every list page shares: filters and page number in the URL, and a pager. */
import { useSearchParams } from 'react-router';

export const LIST_PAGE_SIZE = 50;

/** Reads and writes list filters in the query string (so a filtered list can be linked to); changing a filter goes back to page 1. */
export function useListParams() {
  const [params, setParams] = useSearchParams();
  const page = Math.max(0, Number(params.get('page') ?? 0) || 0);
  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === '') next.delete(k);
      else next.set(k, v);
    }
    if (!('page' in changes)) next.delete('page');
    setParams(next, { replace: true });
  };
  return { params, get: (k: string) => params.get(k) ?? '', page, offset: page * LIST_PAGE_SIZE, set };
}

export function Pager({ page, total, pageSize = LIST_PAGE_SIZE, onPage }: { page: number; total: number; pageSize?: number; onPage: (page: number) => void }) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return (
    <div className="pager">
      <button type="button" className="button small" disabled={page === 0} onClick={() => onPage(page - 1)}>
        ← Previous
      </button>
      <span className="muted small">
        Page {page + 1} of {pages} · {total} in all
      </span>
      <button type="button" className="button small" disabled={page + 1 >= pages} onClick={() => onPage(page + 1)}>
        Next →
      </button>
    </div>
  );
}

/** A labelled filter input bound to a URL parameter (applied as you type). */
export function FilterInput({ label, value, onChange, placeholder, type = 'text' }: { label: string; value: string; onChange: (v: string) => void; placeholder?: string; type?: string }) {
  return (
    <label className="inline-field">
      {label}
      <input type={type} value={value} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} aria-label={label} />
    </label>
  );
}
