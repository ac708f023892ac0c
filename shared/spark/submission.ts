/**
 * What the submit_spark handler hands the state machine: the backend the task's config group names,
 * and for EMR / EMR Serverless the complete request Step Functions sends. Every field the compiled
 * states read with a JSONPath is always present for its backend (a missing one would raise
 * States.Runtime, which no Catch can handle).
 */
import type { SubmitSparkResult } from '../runtime/protocol.js';
import type { BlobLocator } from './artifacts.js';
import type { StoredConfigGroup } from './config-groups.js';
import { emrServerlessJobRun, emrStep } from './render.js';
import type { SparkSubmitSpec } from './submit-spec.js';

export function sparkSubmission(group: StoredConfigGroup, spec: SparkSubmitSpec, locate: BlobLocator, ref: { dag_id: string; run_id: string; task_id: string; try_number: number }): SubmitSparkResult {
  const engine = group.engine;
  switch (engine.type) {
    case 'emr':
      return { backend: 'emr', emr: { cluster_id: engine.cluster_id, step: emrStep(spec, locate) } };
    case 'emr_serverless':
      return { backend: 'emr_serverless', emr_serverless: emrServerlessJobRun(spec, locate, engine, ref) };
    case 'livy':
    case 'local':
      return { backend: engine.type };
  }
}
