// Starts a render worker from TypeScript sources (skydag runs them through tsx, and a worker thread
// does not inherit the main thread's module hooks): registers tsx, then imports the worker module.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
