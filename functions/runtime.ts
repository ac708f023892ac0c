/**
 * The runtime's ports in AWS (DynamoDB store, S3 logs and bundles, Step Functions tokens, …), shared
 * by the control, runner and runner-task entries. The composition root configures them:
 *
 *   configureRuntime(async () => ({ store: dynamoStore, dags: cloudDagSource, tokens: new SfnTaskTokens(sfn),
 *     logs: new BlobTaskLogs(s3Blobs), ... }));
 */
import type { RuntimeDeps } from '../shared/runtime/handlers/deps.js';
import { lazy } from './lazy.js';

export const runtime = lazy<RuntimeDeps>('functions/runtime', 'configureRuntime');

export function configureRuntime(create: () => Promise<RuntimeDeps> | RuntimeDeps): void {
  runtime.configure(create);
}
