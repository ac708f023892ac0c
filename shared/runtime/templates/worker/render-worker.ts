/**
 * A render worker thread: renders the jobs the pool (`./pool.ts`) sends, one at a time, under their
 * limits. The context accessors (Variables, Connections, XComs) live on the main thread; the Jinja
 * engine calls them synchronously, so the worker posts the call on its RPC port and blocks on a shared
 * flag until the main thread has posted the answer (`receiveMessageOnPort` then reads it).
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { ACCESSOR_NAMES, runRenderJob, type ContextAccessors } from '../render-job.js';
import { deserializeError, serializeError, type AccessorCall, type AccessorReply, type RenderRequest, type WorkerInit, type WorkerMessage } from './protocol.js';

/** How long an accessor call may wait for the main thread (it answers from memory at once). */
const ACCESSOR_TIMEOUT_MS = 30_000;

const init = workerData as WorkerInit;
const signal = new Int32Array(init.rpcSignal);
const port = parentPort;
if (port === null) throw new Error('render-worker.ts runs as a worker thread');

function callMain(call: AccessorCall): unknown {
  Atomics.store(signal, 0, 0);
  init.rpcPort.postMessage(call);
  if (Atomics.wait(signal, 0, 0, ACCESSOR_TIMEOUT_MS) === 'timed-out') throw new Error(`the ${call.accessor} accessor did not answer within ${ACCESSOR_TIMEOUT_MS} ms`);
  const received = receiveMessageOnPort(init.rpcPort);
  if (received === undefined) throw new Error(`the ${call.accessor} accessor answered nothing`);
  const reply = received.message as AccessorReply;
  if (!reply.ok) throw deserializeError(reply.error);
  return reply.value;
}

function accessorsFor(names: readonly string[]): ContextAccessors {
  const accessors: ContextAccessors = {};
  for (const name of ACCESSOR_NAMES) {
    if (!names.includes(name)) continue;
    // Each accessor takes one argument (a key, a connection id, an XCom request).
    const call = (arg: unknown): never => callMain({ accessor: name, args: [arg] }) as never;
    accessors[name] = call;
  }
  return accessors;
}

port.on('message', (request: RenderRequest) => {
  let reply: WorkerMessage;
  try {
    const value = runRenderJob(request.job, accessorsFor(request.job.accessors), request.limits);
    reply = { type: 'done', id: request.id, ok: true, value };
  } catch (err) {
    reply = { type: 'done', id: request.id, ok: false, error: serializeError(err) };
  }
  port.postMessage(reply);
});

port.postMessage({ type: 'ready' } satisfies WorkerMessage);
