/**
 * The parse worker (see bounded.ts): a worker thread that reads DAG files one at a time — front-end,
 * validation and, when asked, compilation — under the heap limit and the wall-clock timeout its
 * parent enforces. It keeps no state between files.
 */
import { parentPort } from 'node:worker_threads';
import { compileDag } from '../compiler/compile.js';
import { loadDagFile } from './index.js';
import type { ParseRequest, ParseResponse } from './bounded-protocol.js';
import { handedOver } from './types.js';

const port = parentPort;
if (!port) throw new Error('bounded-worker.ts runs as a worker thread (see shared/frontends/bounded.ts)');

port.on('message', (request: ParseRequest) => port.postMessage(answer(request)));

function answer(request: ParseRequest): ParseResponse {
  try {
    const loaded = loadDagFile(request.source, { file: request.file, now: request.now, env: request.env, ...handedOver(request) });
    if (!request.compile) return { id: request.id, ok: true, loaded };
    return { id: request.id, ok: true, loaded, compiled: loaded.dags.map((dag) => compileDag(dag)) };
  } catch (err) {
    // A defect (or a stack overflow the front-end did not catch) must not kill the worker silently.
    return { id: request.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

port.postMessage({ ready: true });
