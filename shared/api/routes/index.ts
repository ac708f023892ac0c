/** The route table: every endpoint of the API, in one list (the router and the CDK stack read it). */
import type { Route } from '../route.js';
import { archiveRoutes } from './archive.js';
import { authRoutes } from './auth.js';
import { signInProviderRoutes } from './sign-in-providers.js';
import { backfillRoutes } from './backfill.js';
import { connectionRoutes } from './connections.js';
import { dagFileRoutes } from './dag-files.js';
import { dagRunRoutes } from './dag-runs.js';
import { dagSourceRoutes } from './dag-sources.js';
import { dagStatsRoutes } from './dag-stats.js';
import { dagViewRoutes } from './dag-views.js';
import { dagWarningRoutes } from './dag-warnings.js';
import { edaRoutes } from './eda.js';
import { dagRoutes } from './dags.js';
import { eventLogRoutes } from './event-logs.js';
import { gitRoutes } from './git.js';
import { importErrorRoutes } from './import-errors.js';
import { datasetEventRoutes } from './dataset-events.js';
import { slaMissRoutes } from './sla-misses.js';
import { ldapRoutes } from './ldap.js';
import { monitoringRoutes } from './monitoring.js';
import { openApiRoutes } from './openapi.js';
import { poolRoutes } from './pools.js';
import { repositoryRoutes } from './repository.js';
import { roleRoutes } from './roles.js';
import { sparkRoutes } from './spark.js';
import { taskInstanceRoutes } from './task-instances.js';
import { userRoutes } from './users.js';
import { variableRoutes } from './variables.js';
import { xcomRoutes } from './xcom.js';

export const ROUTES: readonly Route[] = [
  ...monitoringRoutes,
  ...authRoutes,
  ...signInProviderRoutes,
  ...ldapRoutes,
  ...dagRoutes,
  ...dagStatsRoutes,
  ...dagViewRoutes,
  ...dagSourceRoutes,
  ...dagWarningRoutes,
  ...datasetEventRoutes,
  ...slaMissRoutes,
  ...dagRunRoutes,
  ...backfillRoutes,
  ...taskInstanceRoutes,
  ...xcomRoutes,
  ...variableRoutes,
  ...connectionRoutes,
  ...poolRoutes,
  ...eventLogRoutes,
  ...importErrorRoutes,
  ...userRoutes,
  ...roleRoutes,
  ...dagFileRoutes,
  ...gitRoutes,
  ...sparkRoutes,
  ...repositoryRoutes,
  ...edaRoutes,
  ...archiveRoutes,
  // The document describes this very table (a getter: the table is complete by the time it is read).
  ...openApiRoutes(() => ROUTES),
];
