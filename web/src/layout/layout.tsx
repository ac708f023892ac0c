/** The frame of every signed-in page: the header (navigation, theme, user and role) and the page below. */
import { useEffect, useId, useRef, useState } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router';
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

/** A header entry: a link, or a menu of links (Airflow's Browse and Admin menus). */
type NavEntry = NavItem | { label: string; items: NavItem[] };

const NAV: NavEntry[] = [
  { to: '/dags', label: 'DAGs' },
  {
    label: 'Browse',
    items: [
      { to: '/dag-runs', label: 'DAG runs', permission: 'read:dag_runs' },
      { to: '/task-instances', label: 'Task instances', permission: 'read:task_instances' },
      { to: '/audit-log', label: 'Audit log', permission: 'read:audit_log' },
    ],
  },
  {
    label: 'Admin',
    items: [
      { to: '/variables', label: 'Variables', permission: 'read:variables' },
      { to: '/connections', label: 'Connections', permission: 'read:connections' },
      { to: '/pools', label: 'Pools', permission: 'read:pools' },
      { to: '/users', label: 'Users', permission: 'read:users' },
      { to: '/ldap', label: 'LDAP sign-in', permission: 'read:ldap_settings' },
      { to: '/import-export', label: 'Import/export', permission: 'read:platform_archive' },
    ],
  },
  {
    label: 'Data',
    items: [
      { to: '/models', label: 'Models', permission: 'read:models' },
      { to: '/datasets', label: 'Datasets', permission: 'read:datasets' },
      { to: '/eda', label: 'EDA', permission: 'read:datasets' },
    ],
  },
  {
    label: 'Spark',
    items: [
      { to: '/config-groups', label: 'Config groups', permission: 'read:config_groups' },
      { to: '/artifacts', label: 'Code artifacts', permission: 'read:artifacts' },
    ],
  },
  {
    label: 'Author',
    items: [
      { to: '/author', label: 'Upload or write a DAG', permission: 'create:dag_files' },
      { to: '/git', label: 'Git repository', permission: 'create:dag_files' },
    ],
  },
];

function NavMenu({ label, items }: { label: string; items: NavItem[] }) {
  const location = useLocation();
  // The menu is open at the location it was opened at: any navigation closes it, as do Escape and a click elsewhere.
  const [openAt, setOpenAt] = useState<string | null>(null);
  const open = openAt === location.key;
  const setOpen = (next: boolean) => setOpenAt(next ? location.key : null);
  const root = useRef<HTMLDivElement>(null);
  const menuId = useId();
  useEffect(() => {
    if (!open) return;
    const onPointer = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpenAt(null);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpenAt(null);
    };
    document.addEventListener('pointerdown', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
  const active = items.some((item) => location.pathname === item.to || location.pathname.startsWith(`${item.to}/`));
  return (
    <div className="nav-menu" ref={root}>
      <button type="button" className={active ? 'active' : undefined} aria-haspopup="true" aria-expanded={open} aria-controls={menuId} onClick={() => setOpen(!open)}>
        {label} ▾
      </button>
      {open ? (
        <div className="nav-menu-list" id={menuId}>
          {items.map((item) => (
            <NavLink key={item.to} to={item.to} end className={({ isActive }) => (isActive ? 'active' : undefined)}>
              {item.label}
            </NavLink>
          ))}
        </div>
      ) : null}
    </div>
  );
}

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
          {NAV.map((entry) => {
            if (!('items' in entry)) {
              if (entry.permission && !session.can(entry.permission)) return null;
              return (
                <NavLink key={entry.to} to={entry.to} className={({ isActive }) => (isActive ? 'active' : undefined)}>
                  {entry.label}
                </NavLink>
              );
            }
            const items = entry.items.filter((item) => !item.permission || session.can(item.permission));
            return items.length ? <NavMenu key={entry.label} label={entry.label} items={items} /> : null;
          })}
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
