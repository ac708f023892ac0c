import type { StateMachineDefinition } from '../../shared/compiler/asl.js';
import { AWS_DEFAULT_TASK_TIMEOUT_SECONDS, NODE_MAX_TIMER_SECONDS, withAwsTimeouts } from './aws-timeouts.js';

const task = (extra: Record<string, unknown> = {}) => ({ Type: 'Task' as const, Resource: 'arn:aws:states:::lambda:invoke', End: true as const, ...extra });

describe('withAwsTimeouts', () => {
  it("gives every Task state Step Functions' default (held at what a Node timer can hold), keeping explicit limits", () => {
    const definition: StateMachineDefinition = {
      StartAt: 'p',
      TimeoutSeconds: 91,
      States: {
        p: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'a', States: { a: task(), b: task({ TimeoutSeconds: 120 }), w: { Type: 'Wait', Seconds: 5, End: true } } }],
          Next: 'm',
        },
        m: { Type: 'Map', ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'c', States: { c: task() } }, Next: 'huge' },
        huge: task({ TimeoutSeconds: 30 * 86400 }),
      },
    };
    const out = withAwsTimeouts(definition);
    expect(NODE_MAX_TIMER_SECONDS).toBeLessThan(AWS_DEFAULT_TASK_TIMEOUT_SECONDS);
    const branch = (out.States.p as { Branches: StateMachineDefinition[] }).Branches[0]!;
    expect(branch.States.a).toMatchObject({ TimeoutSeconds: NODE_MAX_TIMER_SECONDS });
    expect(branch.States.b).toMatchObject({ TimeoutSeconds: 120 });
    expect(branch.States.w).toEqual({ Type: 'Wait', Seconds: 5, End: true });
    expect((out.States.m as { ItemProcessor: StateMachineDefinition }).ItemProcessor.States.c).toMatchObject({ TimeoutSeconds: NODE_MAX_TIMER_SECONDS });
    expect(out.States.huge).toMatchObject({ TimeoutSeconds: NODE_MAX_TIMER_SECONDS });
    expect(out.TimeoutSeconds).toBe(91);
    // The compiled definition itself is left as deployed.
    expect(branch).not.toBe(definition.States.p);
    expect((definition.States.p as { Branches: StateMachineDefinition[] }).Branches[0]!.States.a).not.toHaveProperty('TimeoutSeconds');
  });

  it('holds a machine timeout (dagrun_timeout) longer than a Node timer at the longest one', () => {
    expect(withAwsTimeouts({ StartAt: 'a', TimeoutSeconds: 40 * 86400, States: { a: task() } }).TimeoutSeconds).toBe(NODE_MAX_TIMER_SECONDS);
  });

  it('keeps HeartbeatSeconds below the timeout the interpreter gets (dropped when the capped timeout is shorter)', () => {
    const out = withAwsTimeouts({ StartAt: 'a', States: { a: task({ HeartbeatSeconds: 1260, Next: 'b', End: undefined }), b: task({ HeartbeatSeconds: 30 * 86400 }) } });
    expect(out.States.a).toMatchObject({ HeartbeatSeconds: 1260, TimeoutSeconds: NODE_MAX_TIMER_SECONDS });
    expect(out.States.b).not.toHaveProperty('HeartbeatSeconds');
  });
});
