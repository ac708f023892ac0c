/** When an unpaused DAG's next scheduled run starts, on the wall clock of its schedule's zone. */
import type { Dag } from '../api/types';
import { formatDateTime, formatInZone, formatRelative } from '../lib/time';

export function NextRun({ dag, className }: { dag: Pick<Dag, 'next_dagrun' | 'next_dagrun_data_interval_end' | 'is_paused' | 'timezone'>; className?: string }) {
  if (!dag.next_dagrun || dag.is_paused) return null;
  // A run starts when its data interval ends (Airflow's rule), not at its logical date.
  const starts = dag.next_dagrun_data_interval_end ?? dag.next_dagrun;
  return (
    <span className={className} title={`The run for ${dag.next_dagrun} starts when its data interval ends (${formatDateTime(starts)} your time)`}>
      next run {formatInZone(starts, dag.timezone)} ({formatRelative(starts)})
    </span>
  );
}
