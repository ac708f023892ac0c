/** GET /health and GET /version: public, as in Airflow (no permission decorator on either). */
import { defineRoute } from '../route.js';

/** Airflow's scheduler_health_check_threshold. */
const SCHEDULER_HEALTH_THRESHOLD_MS = 30_000;

export const monitoringRoutes = [
  defineRoute({
    id: 'get_health',
    method: 'GET',
    path: '/api/v1/health',
    access: { public: true },
    dags: 'none',
    summary: 'Get instance status (metadatabase and scheduler).',
    async handle({ deps }) {
      let metadatabase: 'healthy' | 'unhealthy' = 'healthy';
      try {
        await deps.store.getPool('default_pool');
      } catch (error) {
        deps.logger.error('health check: metadata store unavailable', error);
        metadatabase = 'unhealthy';
      }
      let scheduler: { status: 'healthy' | 'unhealthy' | null; latest_scheduler_heartbeat: string | null } = { status: null, latest_scheduler_heartbeat: null };
      if (deps.scheduler) {
        try {
          const beat = await deps.scheduler.latestHeartbeat();
          const healthy = beat !== null && deps.clock().getTime() - beat.getTime() <= SCHEDULER_HEALTH_THRESHOLD_MS;
          scheduler = { status: healthy ? 'healthy' : 'unhealthy', latest_scheduler_heartbeat: beat ? beat.toISOString() : null };
        } catch (error) {
          deps.logger.error('health check: scheduler heartbeat unavailable', error);
          scheduler = { status: 'unhealthy', latest_scheduler_heartbeat: null };
        }
      }
      return {
        metadatabase: { status: metadatabase },
        scheduler,
        triggerer: { status: null, latest_triggerer_heartbeat: null },
        dag_processor: { status: null, latest_dag_processor_heartbeat: null },
      };
    },
  }),
  defineRoute({
    id: 'get_version',
    method: 'GET',
    path: '/api/v1/version',
    access: { public: true },
    dags: 'none',
    summary: 'Get version information.',
    async handle({ deps }) {
      return { version: deps.version, git_version: deps.gitVersion };
    },
  }),
];
