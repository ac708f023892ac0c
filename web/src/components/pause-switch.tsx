/** The paused/active switch of a DAG (disabled for roles that may not pause). */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { setPaused } from '../api/endpoints';
import type { Dag } from '../api/types';
import { useSession } from '../auth/session';

export function PauseSwitch({ dag }: { dag: Dag }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const toggle = useMutation({
    mutationFn: (paused: boolean) => setPaused(dag.dag_id, paused),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['dags'] });
      void queryClient.invalidateQueries({ queryKey: ['dag-details', dag.dag_id] });
    },
  });
  const allowed = session.canOnDag(dag.dag_id, 'can_edit');
  const paused = toggle.isPending ? !toggle.variables : dag.is_paused;
  return (
    <label className="switch" title={allowed ? (paused ? 'Paused: click to unpause (scheduling starts)' : 'Active: click to pause') : paused ? 'Paused' : 'Active'}>
      <input type="checkbox" role="switch" aria-label={`${paused ? 'Unpause' : 'Pause'} ${dag.dag_id}`} checked={!paused} disabled={!allowed || toggle.isPending} onChange={(e) => toggle.mutate(!e.target.checked)} />
      <span className="slider" />
    </label>
  );
}
