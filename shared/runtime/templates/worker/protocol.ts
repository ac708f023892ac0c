/**
 * Messages between the template worker pool (`./pool.ts`, on the server's thread) and a render worker
 * (`./render-worker.ts`), and how errors cross the thread boundary (structured clone keeps only plain
 * data, so a `TemplateError` is sent as its details and rebuilt on the other side).
 */
import type { MessagePort } from 'node:worker_threads';
import type { PyValue } from '../../../model/schema.js';
import { TemplateBudgetError, type BudgetDimension, type TemplateLimits } from '../budget.js';
import { TemplateError, type TemplateErrorDetails } from '../errors.js';
import { PyError } from '../py/object.js';
import type { AccessorName, RenderJob } from '../render-job.js';

/** `workerData` of a render worker. */
export interface WorkerInit {
  /** Carries the worker's synchronous accessor calls (see {@link AccessorCall}). */
  rpcPort: MessagePort;
  /** One Int32: the main thread sets it to 1 and notifies once an accessor reply is posted. */
  rpcSignal: SharedArrayBuffer;
  /** The worker's own module URL (the TypeScript bootstrap imports it). */
  entry?: string;
}

export interface RenderRequest {
  type: 'render';
  id: number;
  job: RenderJob;
  limits: TemplateLimits;
}

export type WorkerMessage = { type: 'ready' } | { type: 'done'; id: number; ok: true; value: Record<string, PyValue> } | { type: 'done'; id: number; ok: false; error: SerializedError };

/** A context accessor called from the worker: `variables(key)`, `connections(connId)`, `xcomPull(request)`. */
export interface AccessorCall {
  accessor: AccessorName;
  args: unknown[];
}

export type AccessorReply = { ok: true; value: unknown } | { ok: false; error: SerializedError };

export type SerializedError =
  | { kind: 'template'; details: Omit<TemplateErrorDetails, 'cause'>; budget?: { dimension: BudgetDimension; limits: TemplateLimits; reason?: string } }
  | { kind: 'budget'; dimension: BudgetDimension; limits: TemplateLimits; reason?: string }
  | { kind: 'python'; pyType: string; message: string }
  | { kind: 'error'; name: string; message: string };

export function serializeError(err: unknown): SerializedError {
  if (err instanceof TemplateError) {
    const details: Omit<TemplateErrorDetails, 'cause'> = { kind: err.kind, template: err.template, detail: err.detail };
    if (err.pyType !== undefined) details.pyType = err.pyType;
    if (err.taskId !== undefined) details.taskId = err.taskId;
    if (err.field !== undefined) details.field = err.field;
    if (err.templateFile !== undefined) details.templateFile = err.templateFile;
    const out: SerializedError = { kind: 'template', details };
    if (err.cause instanceof TemplateBudgetError) out.budget = budgetOf(err.cause);
    return out;
  }
  if (err instanceof TemplateBudgetError) return { kind: 'budget', ...budgetOf(err) };
  if (err instanceof PyError) return { kind: 'python', pyType: err.pyType, message: err.message };
  if (err instanceof Error) return { kind: 'error', name: err.name, message: err.message };
  return { kind: 'error', name: 'Error', message: String(err) };
}

function budgetOf(err: TemplateBudgetError): { dimension: BudgetDimension; limits: TemplateLimits; reason?: string } {
  return { dimension: err.dimension, limits: err.limits, ...(err.reason !== undefined ? { reason: err.reason } : {}) };
}

export function deserializeError(e: SerializedError): Error {
  switch (e.kind) {
    case 'template': {
      const cause = e.budget ? new TemplateBudgetError(e.budget.dimension, e.budget.limits, e.budget.reason) : undefined;
      return new TemplateError({ ...e.details, ...(cause ? { cause } : {}) });
    }
    case 'budget':
      return new TemplateBudgetError(e.dimension, e.limits, e.reason);
    case 'python':
      return new PyError(e.pyType, e.message);
    case 'error': {
      const err = new Error(e.message);
      err.name = e.name;
      return err;
    }
  }
}
