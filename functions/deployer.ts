/**
 * The DAG deployer Lambda: S3 events of the DAGs bucket's DAGs prefix (ObjectCreated / ObjectRemoved)
 * → DagDeployer (shared/deploy/dag-deployer.ts). A thin middy adapter; the deployer's ports come from
 * the composition root through `configureDeployer`. The stack invokes it with reserved concurrency 1,
 * so two uploads never deploy the same DAG at once; a failed event is retried by Lambda's async
 * invocation and then lands in the deployer's dead-letter queue (alarmed).
 */
import middy from '@middy/core';
import type { Context, S3Event } from 'aws-lambda';
import type { DagDeployer, DagFileEvent, DeployReport } from '../shared/deploy/dag-deployer.js';
import { lazy } from './lazy.js';

const deployer = lazy<DagDeployer>('functions/deployer', 'configureDeployer');

export function configureDeployer(create: () => Promise<DagDeployer> | DagDeployer): void {
  deployer.configure(create);
}

/** S3 event records → deployer events (keys arrive URL-encoded, spaces as `+`). Other buckets' records are refused. */
export function dagFileEvents(event: S3Event, bucket?: string): DagFileEvent[] {
  return (event.Records ?? []).map((record) => {
    if (bucket !== undefined && record.s3.bucket.name !== bucket) throw new Error(`deployer: event for bucket '${record.s3.bucket.name}', expected '${bucket}'`);
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    if (record.eventName.startsWith('ObjectRemoved:')) return { kind: 'deleted', key };
    if (record.eventName.startsWith('ObjectCreated:')) return { kind: 'written', key };
    throw new Error(`deployer: unexpected S3 event '${record.eventName}' for ${key}`);
  });
}

export function createDeployerHandler(getDeployer: () => Promise<DagDeployer>, bucket?: string) {
  return middy<S3Event, DeployReport, Error, Context>(async (event: S3Event) => {
    const report = await (await getDeployer()).handle(dagFileEvents(event, bucket));
    // One structured line per delivery: which DAGs changed (no file contents, no secrets).
    console.log(JSON.stringify({ deployer: report }));
    return report;
  });
}

export const handler = createDeployerHandler(() => deployer.get());
