import { Link } from 'react-router';

export function NotFound() {
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p>
        Nothing lives at this address. Go back to the <Link to="/dags">DAGs</Link>.
      </p>
    </div>
  );
}
