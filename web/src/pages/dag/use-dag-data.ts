/** The data every view of a DAG shares, polled while runs are going so states update live. */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { getDagDetails, getGridData } from '../../api/endpoints';
import type { DagRun, GridData } from '../../api/types';
import { isActiveRunState } from '../../lib/states';

/** How often views refresh: fast while a run is going, slowly otherwise (a new run may be triggered elsewhere). */
export const ACTIVE_POLL_MS = 2_000;
export const IDLE_POLL_MS = 10_000;

export const hasActiveRun = (runs: readonly DagRun[] | undefined) => (runs ?? []).some((r) => isActiveRunState(r.state));

export function useDagDetails(dagId: string) {
  return useQuery({ queryKey: ['dag-details', dagId], queryFn: () => getDagDetails(dagId), staleTime: 10_000, refetchInterval: 30_000 });
}

export function useGridData(dagId: string, limit: number) {
  return useQuery<GridData>({
    queryKey: ['grid', dagId, limit],
    queryFn: () => getGridData(dagId, { limit }),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (hasActiveRun(q.state.data?.dag_runs) ? ACTIVE_POLL_MS : IDLE_POLL_MS),
  });
}

/** The run and task the URL points at (`?run=…&task=…&try=…&tab=…`), and a way to change them. */
export function useSelection() {
  const [params, setParams] = useSearchParams();
  const select = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    setParams(next);
  };
  return {
    runId: params.get('run'),
    taskId: params.get('task'),
    tryNumber: params.get('try') ? Number(params.get('try')) : null,
    tab: params.get('tab'),
    params,
    select,
  };
}

/** The selected run, or the newest one. */
export function selectedRun(runs: readonly DagRun[] | undefined, runId: string | null): DagRun | undefined {
  if (!runs?.length) return undefined;
  return (runId ? runs.find((r) => r.dag_run_id === runId) : undefined) ?? runs[0];
}
