/** URLs of the console's views, so every link to a view is built one way. */

export type DagView = 'grid' | 'graph' | 'gantt' | 'durations' | 'landing-times' | 'calendar' | 'code' | 'details';

export function withQuery(path: string, query: Record<string, string | number | null | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined && v !== '') params.set(k, String(v));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export function dagUrl(dagId: string, view?: DagView, query: Record<string, string | number | null | undefined> = {}): string {
  return withQuery(`/dags/${encodeURIComponent(dagId)}${view ? `/${view}` : ''}`, query);
}

/** A profiling report's page (opens the HTML report: here locally, on the data bucket in AWS). */
export function edaReportUrl(source: string, reportId: string): string {
  return `/eda/${encodeURIComponent(source)}/reports/${encodeURIComponent(reportId)}`;
}
