import { makeTask } from '../../test/helpers/model.js';
import type { Task } from '../model/schema.js';
import { customOperatorSpec, operatorByKind, unsupportedOperatorSpec } from '../operators/registry.js';
import { describeCompute, LAMBDA_LIMIT_SECONDS, taskCompute } from './compute.js';

const SENSOR = { poke_interval_seconds: 60, timeout_seconds: 604800, mode: 'poke' as const, soft_fail: false, exponential_backoff: false };
const of = (kind: string, extra: Partial<Task> = {}) => taskCompute(makeTask('t', { operator_kind: kind, ...extra }), operatorByKind(kind)!);

describe('taskCompute (where a task runs in AWS, and that compute’s own limit)', () => {
  it('runs bash and python tasks in Lambda only when execution_timeout fits in 14 minutes, else on Fargate (no limit)', () => {
    expect(of('bash', { execution_timeout_seconds: 840 })).toEqual({ runs_on: 'lambda', limit_seconds: LAMBDA_LIMIT_SECONDS, per: 'try' });
    expect(of('bash', { execution_timeout_seconds: 841 })).toEqual({ runs_on: 'fargate', limit_seconds: null, per: 'try' });
    expect(of('bash')).toEqual({ runs_on: 'fargate', limit_seconds: null, per: 'try' });
    expect(of('python', { execution_timeout_seconds: 60 })).toMatchObject({ runs_on: 'lambda' });
    expect(of('python', { execution_timeout_seconds: 2 * 3600 })).toMatchObject({ runs_on: 'fargate' });
    const custom = makeTask('c', { operator_kind: 'custom', execution_timeout_seconds: 3600 });
    expect(taskCompute(custom, customOperatorSpec('MyOperator', false))).toMatchObject({ runs_on: 'fargate' });
  });

  it("lets queue='lambda' or queue='fargate' force a bash/python task's compute; other queue names (Celery's) change nothing", () => {
    expect(of('bash', { execution_timeout_seconds: 60, queue: 'fargate' })).toEqual({ runs_on: 'fargate', limit_seconds: null, per: 'try' });
    expect(of('python', { queue: 'lambda' })).toEqual({ runs_on: 'lambda', limit_seconds: LAMBDA_LIMIT_SECONDS, per: 'try' });
    expect(of('bash', { queue: 'default' })).toMatchObject({ runs_on: 'fargate' });
    expect(of('bash', { execution_timeout_seconds: 60, queue: 'Fargate' })).toMatchObject({ runs_on: 'lambda' });
    // A sensor's pokes and a built-in operator keep their own compute.
    expect(of('file_sensor', { sensor: SENSOR, queue: 'fargate' })).toMatchObject({ runs_on: 'lambda', per: 'poke' });
    expect(of('http', { queue: 'fargate' })).toMatchObject({ runs_on: 'lambda' });
  });

  it('pokes sensors from Lambda, one invocation per poke (their own timeout ends the wait)', () => {
    expect(of('file_sensor', { sensor: SENSOR })).toEqual({ runs_on: 'lambda', limit_seconds: LAMBDA_LIMIT_SECONDS, per: 'poke' });
    expect(of('python_sensor', { sensor: SENSOR })).toEqual({ runs_on: 'lambda', limit_seconds: LAMBDA_LIMIT_SECONDS, per: 'poke' });
    const customSensor = makeTask('s', { operator_kind: 'custom', sensor: SENSOR });
    expect(taskCompute(customSensor, customOperatorSpec('MySensor', true))).toMatchObject({ runs_on: 'lambda', per: 'poke' });
  });

  it('knows the operators with no compute of their own or no limit', () => {
    expect(of('empty')).toEqual({ runs_on: 'none', limit_seconds: null, per: 'try' });
    expect(of('http')).toEqual({ runs_on: 'lambda', limit_seconds: LAMBDA_LIMIT_SECONDS, per: 'try' });
    expect(of('trigger_dagrun')).toEqual({ runs_on: 'child_run', limit_seconds: null, per: 'try' });
    expect(of('couture_spark')).toEqual({ runs_on: 'spark', limit_seconds: null, per: 'try' });
    expect(taskCompute(makeTask('u', { operator_kind: 'unsupported' }), unsupportedOperatorSpec('DockerOperator'))).toMatchObject({ runs_on: 'none' });
  });

  it('describes itself for tables', () => {
    expect(describeCompute({ runs_on: 'lambda', limit_seconds: 900, per: 'try' })).toBe('lambda (≤ 900 s)');
    expect(describeCompute({ runs_on: 'lambda', limit_seconds: 900, per: 'poke' })).toBe('lambda (≤ 900 s per poke)');
    expect(describeCompute({ runs_on: 'fargate', limit_seconds: null, per: 'try' })).toBe('fargate');
  });
});
