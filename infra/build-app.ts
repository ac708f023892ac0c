/**
 * Builds the CDK app (infra/app.ts runs it; the template test builds it in process): bundles the Lambda entries with esbuild (the same
 * recipe as `npm run bundle`, into dist/functions), builds the stack from the context values and runs
 * cdk-nag's AwsSolutions checks, so an unsuppressed finding fails the synth. Needs no credentials and
 * no docker: the runner image is only built by `cdk deploy`.
 */
import { join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { bundleFunctions } from '../scripts/bundle-functions.js';
import { readContext } from './context.js';
import { addNagChecks } from './nag.js';
import { SkydagStack } from './stack.js';

const ROOT = resolve(import.meta.dirname, '..');

export async function buildApp(options: { bundleDir?: string; consoleDir?: string; outdir?: string; context?: Record<string, unknown> } = {}): Promise<{ app: App; stack: SkydagStack }> {
  const bundleDir = options.bundleDir ?? join(ROOT, 'dist', 'functions');
  await bundleFunctions(bundleDir);
  const app = new App({ ...(options.outdir ? { outdir: options.outdir } : {}), ...(options.context ? { context: options.context } : {}) });
  const context = readContext(app.node);
  const stack = new SkydagStack(app, `${context.prefix === 'skydag' ? 'Skydag' : context.prefix}`, {
    context,
    bundleDir,
    consoleDir: options.consoleDir ?? join(ROOT, 'web', 'dist'),
    description: 'skydag: Airflow-compatible DAGs on Step Functions',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  addNagChecks(app);
  return { app, stack };
}
