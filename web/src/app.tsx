/**
 * Routes: every view has its own URL (deep links), and the run/task a view shows lives in the query
 * string, so a link to "this task's log in this run" opens exactly that. Views other than the DAG
 * list are loaded on demand, which keeps the first view's JavaScript small.
 */
import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router';
import { useSession } from './auth/session';
import { Layout } from './layout/layout';
import { LoginPage } from './pages/login';
import { AuthCallbackPage } from './pages/auth-callback';
import { DagsPage } from './pages/dags/dags-page';
import { NotFound } from './components/not-found';
import { Loading } from './components/status';

function RequireSession({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (!session.token) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  if (session.loading) return <Loading what="your session" />;
  return <>{children}</>;
}

const DagPage = lazy(async () => ({ default: (await import('./pages/dag/dag-page')).DagPage }));
const DagRunsPage = lazy(async () => ({ default: (await import('./pages/browse/dag-runs-page')).DagRunsPage }));
const TaskInstancesPage = lazy(async () => ({ default: (await import('./pages/browse/task-instances-page')).TaskInstancesPage }));
const AuditLogPage = lazy(async () => ({ default: (await import('./pages/browse/audit-log-page')).AuditLogPage }));
const VariablesPage = lazy(async () => ({ default: (await import('./pages/admin/variables-page')).VariablesPage }));
const ConnectionsPage = lazy(async () => ({ default: (await import('./pages/admin/connections-page')).ConnectionsPage }));
const PoolsPage = lazy(async () => ({ default: (await import('./pages/admin/pools-page')).PoolsPage }));
const UsersPage = lazy(async () => ({ default: (await import('./pages/admin/users-page')).UsersPage }));
const ModelsPage = lazy(async () => ({ default: (await import('./pages/repository/repository-page')).ModelsPage }));
const DatasetsPage = lazy(async () => ({ default: (await import('./pages/repository/repository-page')).DatasetsPage }));
const EdaPage = lazy(async () => ({ default: (await import('./pages/eda/eda-page')).EdaPage }));
const EdaReportPage = lazy(async () => ({ default: (await import('./pages/eda/eda-report-page')).EdaReportPage }));
const ArchivePage = lazy(async () => ({ default: (await import('./pages/admin/archive-page')).ArchivePage }));
const AuthorPage = lazy(async () => ({ default: (await import('./pages/author/author-page')).AuthorPage }));
const LdapPage = lazy(async () => ({ default: (await import('./pages/admin/ldap-page')).LdapPage }));
const GitPage = lazy(async () => ({ default: (await import('./pages/author/git-page')).GitPage }));
const ConfigGroupsPage = lazy(async () => ({ default: (await import('./pages/spark/config-groups-page')).ConfigGroupsPage }));
const ConfigGroupPage = lazy(async () => ({ default: (await import('./pages/spark/config-group-page')).ConfigGroupPage }));
const ArtifactsPage = lazy(async () => ({ default: (await import('./pages/spark/artifacts-page')).ArtifactsPage }));
const EditorPage = lazy(async () => ({ default: (await import('./pages/author/editor-page')).EditorPage }));

/** Lazily loaded pages, by path. */
const PAGES: [string, React.ComponentType][] = [
  ['/dags/:dagId/:view?', DagPage],
  ['/dag-runs', DagRunsPage],
  ['/task-instances', TaskInstancesPage],
  ['/audit-log', AuditLogPage],
  ['/variables', VariablesPage],
  ['/connections', ConnectionsPage],
  ['/pools', PoolsPage],
  ['/users', UsersPage],
  ['/models', ModelsPage],
  ['/datasets', DatasetsPage],
  ['/eda', EdaPage],
  ['/eda/:source/reports/:reportId', EdaReportPage],
  ['/import-export', ArchivePage],
  ['/author', AuthorPage],
  ['/author/new', EditorPage],
  ['/author/edit/:dagId', EditorPage],
  ['/git', GitPage],
  ['/ldap', LdapPage],
  ['/config-groups', ConfigGroupsPage],
  ['/config-groups/new', ConfigGroupPage],
  ['/config-groups/:groupName', ConfigGroupPage],
  ['/artifacts', ArtifactsPage],
];

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/auth/callback" element={<AuthCallbackPage />} />
      <Route
        element={
          <RequireSession>
            <Layout />
          </RequireSession>
        }
      >
        <Route index element={<Navigate to="/dags" replace />} />
        <Route path="/dags" element={<DagsPage />} />
        {PAGES.map(([path, Component]) => (
          <Route
            key={path}
            path={path}
            element={
              <Page>
                <Component />
              </Page>
            }
          />
        ))}
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

export function Page({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Loading what="this view" />}>{children}</Suspense>;
}
