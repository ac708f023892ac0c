/** Words and shapes for the Spark config-group pages (kept out of the components to be tested alone). */
import type { ConfigGroup, ConfigGroupBody, SparkEngine } from '../api/platform-endpoints';

/** spark-submit flags a group may set (shared/spark/config-groups.ts SPARK_ARGUMENTS), offered as suggestions. */
export const SPARK_ARGUMENTS = [
  'master', 'deploy-mode', 'jars', 'py-files', 'files', 'archives', 'packages', 'exclude-packages', 'repositories',
  'principal', 'keytab', 'proxy-user', 'queue', 'driver-memory', 'driver-cores', 'driver-java-options', 'driver-library-path',
  'driver-class-path', 'executor-memory', 'executor-cores', 'num-executors', 'total-executor-cores',
] as const;

/** Common `--conf` keys, offered as suggestions. */
export const SPARK_CONF_SUGGESTIONS = [
  'spark.executor.memoryOverhead', 'spark.dynamicAllocation.enabled', 'spark.dynamicAllocation.maxExecutors', 'spark.sql.shuffle.partitions',
  'spark.serializer', 'spark.yarn.maxAppAttempts', 'spark.driver.maxResultSize', 'spark.sql.adaptive.enabled',
] as const;

export const ENGINE_LABELS: Record<SparkEngine['type'], string> = {
  local: 'spark-submit on this machine',
  emr: 'Amazon EMR cluster',
  emr_serverless: 'EMR Serverless',
  livy: 'Apache Livy',
};

/** One line saying where a group's jobs run. */
export function engineSummary(engine: SparkEngine): string {
  switch (engine.type) {
    case 'local':
      return ENGINE_LABELS.local;
    case 'emr':
      return `EMR cluster ${engine.cluster_id}`;
    case 'emr_serverless':
      return `EMR Serverless application ${engine.application_id}`;
    case 'livy':
      return `Livy at ${engine.url}${engine.auth === 'basic' ? ` (as ${engine.username ?? '?'})` : ''}`;
  }
}

/** A fresh engine of a type, keeping what the previous one had in common (switching type loses nothing needlessly). */
export function engineOfType(type: SparkEngine['type'], previous: SparkEngine): SparkEngine {
  const same = <K extends string>(key: K): string => ((previous as unknown as Record<string, unknown>)[key] as string | undefined) ?? '';
  switch (type) {
    case 'local':
      return { type: 'local' };
    case 'emr':
      return { type: 'emr', cluster_id: same('cluster_id') };
    case 'emr_serverless':
      return { type: 'emr_serverless', application_id: same('application_id'), execution_role_arn: same('execution_role_arn') };
    case 'livy':
      return { type: 'livy', url: same('url'), auth: previous.type === 'livy' ? previous.auth : 'none' };
  }
}

/** Drops empty optional engine fields so the server sees "not set" rather than an empty string it would refuse. */
export function cleanEngine(engine: SparkEngine): SparkEngine {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(engine)) if (value !== '' && value !== undefined) out[key] = value;
  return out as unknown as SparkEngine;
}

/** The body that re-saves a group as it is (Hadoop files and Kerberos kept; secrets untouched). */
export function bodyOf(group: ConfigGroup): ConfigGroupBody {
  return {
    description: group.description,
    engine: group.engine,
    arguments: group.arguments,
    configurations: group.configurations,
    hadoop: group.hadoop,
    kerberos: group.kerberos,
  };
}

export const NEW_GROUP: ConfigGroupBody = {
  description: '',
  engine: { type: 'local' },
  arguments: {},
  configurations: {},
  hadoop: {},
  kerberos: { principal: null, keytab_path: null },
};

/** Group names the API accepts (shared/spark/names.ts): checked as typed so the user sees why before saving. */
export function groupNameProblem(name: string): string | null {
  if (name === '') return 'A name is required.';
  if (!/^[A-Za-z0-9_@()-]{1,64}$/.test(name)) return 'Use 1–64 letters, digits and _ @ ( ) -.';
  return null;
}
