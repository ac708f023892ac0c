/** The DAG list. */
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { listDags } from '../../api/endpoints';
import { Empty, ErrorBox, Loading } from '../../components/status';

export function DagsPage() {
  const dags = useQuery({ queryKey: ['dags'], queryFn: () => listDags({ limit: 100 }) });
  return (
    <div className="page">
      <h1>DAGs</h1>
      {dags.isPending ? <Loading what="DAGs" /> : dags.isError ? <ErrorBox error={dags.error} /> : null}
      {dags.data && dags.data.dags.length === 0 ? <Empty>No DAGs yet: put a DAG file in the DAGs folder.</Empty> : null}
      {dags.data?.dags.length ? (
        <table className="table">
          <thead>
            <tr>
              <th>DAG</th>
              <th>Owner</th>
              <th>Schedule</th>
            </tr>
          </thead>
          <tbody>
            {dags.data.dags.map((d) => (
              <tr key={d.dag_id}>
                <td>
                  <Link to={`/dags/${encodeURIComponent(d.dag_id)}`}>{d.dag_id}</Link>
                </td>
                <td>{d.owners.join(', ')}</td>
                <td>{d.timetable_description ?? 'None'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
