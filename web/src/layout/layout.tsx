/** The frame of every signed-in page: the header (navigation, theme, user and role) and the page below. */
import { NavLink, Outlet, useNavigate } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { useSession } from '../auth/session';
import { getAuthConfig, getVersion } from '../api/endpoints';
import { signOutUrl } from '../lib/pkce';
import { useTheme } from '../lib/theme';

interface NavItem {
  to: string;
  label: string;
  /** Shown only to users holding this permission (the API enforces it regardless). */
  permission?: string;
}

const NAV: NavItem[] = [
  { to: '/dags', label: 'DAGs' },
  { to: '/dag-runs', label: 'DAG runs', permission: 'read:dag_runs' },
  { to: '/task-instances', label: 'Task instances', permission: 'read:task_instances' },
  { to: '/audit-log', label: 'Audit log', permission: 'read:audit_log' },
  { to: '/variables', label: 'Variables', permission: 'read:variables' },
  { to: '/connections', label: 'Connections', permission: 'read:connections' },
  { to: '/pools', label: 'Pools', permission: 'read:pools' },
  { to: '/users', label: 'Users', permission: 'read:users' },
  { to: '/author', label: 'Author', permission: 'create:dag_files' },
];

export function Layout() {
  const session = useSession();
  const navigate = useNavigate();
  const [theme, toggleTheme] = useTheme();
  const version = useQuery({ queryKey: ['version'], queryFn: getVersion, staleTime: Infinity });
  const authConfig = useQuery({ queryKey: ['auth-config'], queryFn: getAuthConfig, staleTime: Infinity, enabled: session.via === 'oidc' });
  const roles = session.me?.roles.map((r) => r.name).join(', ') || 'no role';
  return (
    <div className="app">
      <header className="header">
        <NavLink to="/dags" className="brand" title={version.data ? `skydag ${version.data.version}` : 'skydag'}>
          <img src="/favicon.svg" alt="" width="22" height="22" />
          <span>skydag</span>
        </NavLink>
        <nav className="nav" aria-label="Main">
          {NAV.filter((item) => !item.permission || session.can(item.permission)).map((item) => (
            <NavLink key={item.to} to={item.to} className={({ isActive }) => (isActive ? 'active' : undefined)}>
              {item.label}
            </NavLink>
          ))}
        </nav>
        <div className="header-end">
          <button type="button" className="icon-button" onClick={toggleTheme} title={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`} aria-label="Toggle theme">
            {theme === 'dark' ? '☀' : '☾'}
          </button>
          <span className="user" data-testid="current-user">
            <strong>{session.me?.username}</strong> <span className="role-badge">{roles}</span>
          </span>
          <button
            type="button"
            className="button subtle"
            onClick={() => {
              // A provider session would sign the user straight back in: end it at the provider too.
              const leave = session.via === 'oidc' && authConfig.data?.oidc ? signOutUrl(authConfig.data.oidc, window.location.origin) : null;
              session.signOut();
              if (leave) window.location.assign(leave);
              else navigate('/login');
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main className="main">
        <Outlet />
      </main>
    </div>
  );
}
