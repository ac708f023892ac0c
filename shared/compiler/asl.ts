/**
 * The subset of the Amazon States Language the compiler emits (JSONPath only: the local engine
 * silently ignores JSONata and variables, so the compiler never produces them).
 */
export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  /** FULL: each wait is random in [0, the backoff delay) so retries of many executions spread out. */
  JitterStrategy?: 'FULL' | 'NONE';
}

export interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}

interface Common {
  Comment?: string;
  InputPath?: string | null;
  OutputPath?: string | null;
}

interface Transition {
  Next?: string;
  End?: true;
}

export interface TaskState extends Common, Transition {
  Type: 'Task';
  Resource: string;
  Parameters?: Record<string, unknown>;
  ResultSelector?: Record<string, unknown>;
  ResultPath?: string | null;
  TimeoutSeconds?: number;
  HeartbeatSeconds?: number;
  Retry?: Retrier[];
  Catch?: Catcher[];
}

export interface ChoiceRule {
  Variable?: string;
  StringEquals?: string;
  BooleanEquals?: boolean;
  IsPresent?: boolean;
  And?: ChoiceRule[];
  Or?: ChoiceRule[];
  Not?: ChoiceRule;
  Next?: string;
}

export interface ChoiceState extends Common {
  Type: 'Choice';
  Choices: ChoiceRule[];
  Default?: string;
}

export interface WaitState extends Common, Transition {
  Type: 'Wait';
  Seconds?: number;
  SecondsPath?: string;
}

export interface PassState extends Common, Transition {
  Type: 'Pass';
  Result?: unknown;
  ResultPath?: string | null;
  Parameters?: Record<string, unknown>;
}

export interface ParallelState extends Common, Transition {
  Type: 'Parallel';
  Branches: StateMachineDefinition[];
  ResultPath?: string | null;
  ResultSelector?: Record<string, unknown>;
  Retry?: Retrier[];
  Catch?: Catcher[];
}

export interface MapState extends Common, Transition {
  Type: 'Map';
  ItemsPath?: string;
  ItemSelector?: Record<string, unknown>;
  MaxConcurrency?: number;
  ItemProcessor: StateMachineDefinition & { ProcessorConfig?: { Mode: 'INLINE' } | { Mode: 'DISTRIBUTED'; ExecutionType: 'STANDARD' } };
  ResultPath?: string | null;
  Catch?: Catcher[];
}

export interface SucceedState extends Common {
  Type: 'Succeed';
}

export interface FailState {
  Type: 'Fail';
  Comment?: string;
  Error?: string;
  Cause?: string;
}

export type AslState = TaskState | ChoiceState | WaitState | PassState | ParallelState | MapState | SucceedState | FailState;

export interface StateMachineDefinition {
  Comment?: string;
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
}
