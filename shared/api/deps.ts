/** Everything route handlers can reach: the store, the ports, and the auth services (built by createApi). */
import type { CustomTimetables } from '../scheduling/custom-timetable.js';
import type { OidcProvider } from './auth/oidc.js';
import type { Authenticator } from './auth/users.js';
import type { TokenService } from './auth/tokens.js';
import type { DagFileSink, RunController, RunLauncher, BackfillRunner, ConnectionTester, SchedulerHealth, TaskLogReader } from './ports.js';
import type { SecretCipher } from './secrets/cipher.js';
import type { MetadataStore } from '../stores/metadata.js';
import type { DagFileLoader } from '../frontends/bounded.js';
import type { ArtifactStore } from '../spark/artifacts.js';
import type { ConfigGroupStore } from '../spark/config-groups.js';
import type { LdapSettingsStore } from './auth/ldap-settings.js';
import type { GitConfigStore, GitPullRecord } from '../git/repositories.js';
import type { Repository } from '../repository/repository.js';
import type { EdaSources } from '../eda/sources.js';
import type { PendingRuns } from '../deploy/pending-runs.js';

export interface ApiLogger {
  error(message: string, error?: unknown): void;
}

export interface ApiDeps {
  store: MetadataStore;
  logs: TaskLogReader;
  launcher: RunLauncher;
  controller: RunController;
  dagFiles: DagFileSink;
  /** Reads uploaded DAG files within the parse limits (the bounded loader). */
  dagLoader: DagFileLoader;
  cipher: SecretCipher;
  clock: () => Date;
  version: string;
  gitVersion: string | null;
  scheduler: SchedulerHealth | null;
  /** Absent: POST …/backfill only answers dry runs. */
  backfill: BackfillRunner | null;
  /** Absent: POST /connections/test answers 403, testing is disabled (Airflow's default). */
  connectionTester: ConnectionTester | null;
  tokens: TokenService;
  authenticator: Authenticator;
  /** The OpenID Connect provider users sign in with (Cognito in AWS), if any. */
  oidc: OidcProvider | null;
  /** POST /auth/login accepts passwords (off in deployments that sign in only through the provider). */
  passwordLogin: boolean;
  logger: ApiLogger;
  /** Airflow's [api] maximum_page_limit / fallback_page_limit (both 100 by default). */
  maxPageLimit: number;
  /** Signs log continuation tokens (derived from the JWT secret). */
  signingKey: Buffer;
  /** Spark config groups and artifacts; absent: those endpoints answer 404. */
  spark?: { groups: ConfigGroupStore; artifacts: ArtifactStore };
  /** LDAP sign-in settings; absent: local users only, and the LDAP settings endpoints answer 404. */
  ldap?: LdapSettingsStore;
  /** Per-user git repositories and pulls into the DAGs folder/bucket; absent: those endpoints answer 404. */
  git?: { configs: GitConfigStore; pull(user: string, trigger: string): Promise<GitPullRecord> };
  /** The models and datasets repository; absent: those endpoints answer 404. */
  repository?: Repository;
  /** Exploratory data analysis (local mode); absent: those endpoints answer 404. */
  eda?: EdaSources;
  /**
   * Where DAG files are deployed asynchronously (AWS: the bucket's deployer), runs asked for before
   * their file is deployed wait here and the deployer triggers them (shared/deploy/pending-runs.ts);
   * absent: writing a DAG file deploys it before `dagFiles.write` returns (local mode).
   */
  pendingRuns?: PendingRuns;
  /** Asks custom timetables (backfill plans of their DAGs); absent: those plans are refused. */
  timetables?: CustomTimetables | undefined;
}
