/**
 * The CDK app's entry (`npx cdk synth`, `npm run deploy`; cdk.json runs it with tsx): see build-app.ts.
 */
import { buildApp } from './build-app.js';

const { app } = await buildApp();
app.synth();
