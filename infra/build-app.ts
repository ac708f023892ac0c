/**
 * Builds the CDK app (infra/app.ts runs it; the template test builds it in process): bundles the Lambda entries with esbuild (the same
 * recipe as `npm run bundle`, into dist/functions), builds the stack from the context values and runs
 * cdk-nag's AwsSolutions checks, so an unsuppressed finding fails the synth. Needs no credentials and
 * no docker: the runner image is only built by `cdk deploy`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { bundleFunctions } from '../scripts/bundle-functions.js';
import { readContext } from './context.js';
import { addNagChecks } from './nag.js';
import { SkydagStack } from './stack.js';

const ROOT = resolve(import.meta.dirname, '..');
/** Where the requirements of task code are looked for when the context names no file: beside the DAGs. */
export const DEFAULT_REQUIREMENTS_FILE = join('dags', 'requirements.txt');

/**
 * Puts the runner image's requirements.txt beside its Dockerfile: the file the context names (it must
 * exist), else `dags/requirements.txt` of the working directory when there is one, else an empty file
 * (the image installs nothing). The image asset's hash covers it, so a changed file rebuilds the image.
 */
export function stageRunnerRequirements(bundleDir: string, requirementsFile: string | undefined, cwd: string = process.cwd()): string {
  const source = resolve(cwd, requirementsFile ?? DEFAULT_REQUIREMENTS_FILE);
  if (requirementsFile !== undefined && !existsSync(source)) throw new Error(`invalid CDK context:\n  requirementsFile: '${requirementsFile}' does not exist (relative to ${cwd})`);
  const text = existsSync(source) ? readFileSync(source, 'utf8') : '';
  writeFileSync(join(bundleDir, 'requirements.txt'), text);
  return text;
}

export async function buildApp(options: { bundleDir?: string; consoleDir?: string; outdir?: string; context?: Record<string, unknown> } = {}): Promise<{ app: App; stack: SkydagStack }> {
  const bundleDir = options.bundleDir ?? join(ROOT, 'dist', 'functions');
  await bundleFunctions(bundleDir);
  const app = new App({ ...(options.outdir ? { outdir: options.outdir } : {}), ...(options.context ? { context: options.context } : {}) });
  const context = readContext(app.node);
  stageRunnerRequirements(bundleDir, context.requirementsFile);
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
