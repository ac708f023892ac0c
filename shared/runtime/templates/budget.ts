/**
 * The rendering budget: a template may do a bounded amount of work, build a bounded amount of text and
 * run for a bounded time. Python Jinja has none of these (Airflow's sandbox only caps `range()`), so a
 * template such as `{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}`
 * would occupy its process forever; skydag stops it with {@link TemplateBudgetError} (SKYDAG-T005).
 *
 * The budget is charged where the work happens, inside the interpreter:
 * - **steps**: every template node evaluated, every item a loop or filter walks over, every element of
 *   a list built by `range()`, `*` or `+`, every comparison of `sort`/`unique`, every KiB a string
 *   operation scans;
 * - **text**: the length of every string the template builds (literal text as it is output, `{{ }}`
 *   outputs, the results of operators, filters and methods), checked *before* a large string is
 *   allocated (`"x" * 10**9`, `center(10**9)`, `'{:>1000000000}'.format(x)`, `10 ** 10**10`);
 * - **time**: the wall clock, read every few steps and on every large charge.
 *
 * Rendering is synchronous, so the budget of the render in progress is module state: {@link withBudget}
 * installs it for the duration of one render and the charge functions are no-ops outside a render.
 */
import { PyError } from './py/object.js';

export interface TemplateLimits {
  /** Work units a render may use (see the module comment). */
  maxSteps: number;
  /** Characters of text a render may build. */
  maxOutputChars: number;
  /** Wall-clock milliseconds a render may take. */
  timeoutMs: number;
}

/** Defaults: far above what real templates use (a typical task field takes < 100 steps, < 1 ms). */
export const DEFAULT_TEMPLATE_LIMITS: Readonly<TemplateLimits> = Object.freeze({
  maxSteps: 1_000_000,
  maxOutputChars: 32 * 1024 * 1024,
  timeoutMs: 10_000,
});

/** The environment variables that override {@link DEFAULT_TEMPLATE_LIMITS}. */
export const TEMPLATE_LIMIT_ENV: Readonly<Record<keyof TemplateLimits, string>> = Object.freeze({
  maxSteps: 'SKYDAG_TEMPLATE_MAX_STEPS',
  maxOutputChars: 'SKYDAG_TEMPLATE_MAX_OUTPUT_CHARS',
  timeoutMs: 'SKYDAG_TEMPLATE_TIMEOUT_MS',
});

/** A `SKYDAG_TEMPLATE_*` variable is not a valid limit. */
export class TemplateLimitsError extends Error {
  override readonly name = 'TemplateLimitsError';
}

/**
 * The limits from `SKYDAG_TEMPLATE_MAX_STEPS`, `SKYDAG_TEMPLATE_MAX_OUTPUT_CHARS` and
 * `SKYDAG_TEMPLATE_TIMEOUT_MS` (positive integers), else the defaults.
 *
 * @throws TemplateLimitsError naming the variable when a value is not a positive integer
 */
export function templateLimitsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): TemplateLimits {
  const limits: TemplateLimits = { ...DEFAULT_TEMPLATE_LIMITS };
  for (const key of Object.keys(TEMPLATE_LIMIT_ENV) as (keyof TemplateLimits)[]) {
    const name = TEMPLATE_LIMIT_ENV[key];
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const n = Number(raw.trim());
    if (!Number.isSafeInteger(n) || n <= 0) throw new TemplateLimitsError(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
    limits[key] = n;
  }
  return limits;
}

export type BudgetDimension = 'steps' | 'text' | 'time' | 'memory';

/**
 * A render went over its budget. A `PyError` so that it surfaces as a {@link TemplateError} with code
 * SKYDAG-T005; {@link isBudgetError} tells it apart from errors a template may handle.
 */
export class TemplateBudgetError extends PyError {
  constructor(
    readonly dimension: BudgetDimension,
    readonly limits: TemplateLimits,
    /** What was being done, e.g. `"x" * 1000000000 would build 1,000,000,000 characters`. */
    readonly reason?: string,
  ) {
    super('TemplateBudgetExceeded', budgetMessage(dimension, limits, reason));
  }
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const count = (n: number): string => (Number.isFinite(n) ? fmt(Math.ceil(n)) : 'infinitely many');

function budgetMessage(dimension: BudgetDimension, limits: TemplateLimits, reason: string | undefined): string {
  const what = {
    steps: `more than ${fmt(limits.maxSteps)} steps`,
    text: `more than ${fmt(limits.maxOutputChars)} characters of text`,
    time: `more than ${fmt(limits.timeoutMs)} ms`,
    memory: 'more memory than the renderer may use',
  }[dimension];
  const env = {
    steps: TEMPLATE_LIMIT_ENV.maxSteps,
    text: TEMPLATE_LIMIT_ENV.maxOutputChars,
    time: TEMPLATE_LIMIT_ENV.timeoutMs,
    memory: TEMPLATE_LIMIT_ENV.maxOutputChars,
  }[dimension];
  return `template budget exceeded: the template needs ${what}${reason ? ` (${reason})` : ''}; simplify the template or raise ${env}`;
}

export function isBudgetError(err: unknown): err is TemplateBudgetError {
  return err instanceof TemplateBudgetError;
}

/** Steps between two reads of the clock (a step is well under a microsecond of work). */
const CLOCK_EVERY = 16;
/** A charge at least this large reads the clock at once. */
const BIG_CHARGE = 1024;

/** The running account of one render. */
export class Budget {
  steps = 0;
  chars = 0;
  private readonly deadline: number;
  private sinceClock = 0;
  private exceeded: TemplateBudgetError | undefined;

  constructor(
    readonly limits: TemplateLimits,
    readonly startedAt: number = performance.now(),
  ) {
    this.deadline = startedAt + limits.timeoutMs;
  }

  /** Charges `n` steps; `what` names a bulk operation for the error message. */
  step(n = 1, what?: () => string): void {
    this.steps += n;
    if (!(this.steps <= this.limits.maxSteps)) this.fail('steps', what ? `${what()} needs ${count(n)} steps` : undefined);
    this.sinceClock += n;
    // A bulk charge comes before its work: read the clock then, so no long operation starts late.
    if (this.sinceClock >= CLOCK_EVERY || n > 1) this.checkClock();
  }

  /** Charges `n` characters of text that were built. */
  text(n: number): void {
    this.chars += n;
    if (this.chars > this.limits.maxOutputChars) this.fail('text');
    if (n >= BIG_CHARGE) this.checkClock();
  }

  /** Refuses, before it is built, a string of `n` characters the remaining budget cannot pay for. */
  affordText(n: number, what: () => string): void {
    if (!(this.chars + n <= this.limits.maxOutputChars)) this.fail('text', `${what()} would build ${count(n)} characters`);
  }

  checkClock(): void {
    this.sinceClock = 0;
    if (performance.now() > this.deadline) this.fail('time');
  }

  /** The first error is kept: once over budget, every later charge fails the same way. */
  private fail(dimension: BudgetDimension, reason?: string): never {
    this.exceeded ??= new TemplateBudgetError(dimension, this.limits, reason);
    throw this.exceeded;
  }
}

let active: Budget | null = null;

/** Runs `fn` (one synchronous render) with `budget` as the budget being charged. */
export function withBudget<T>(budget: Budget, fn: () => T): T {
  const previous = active;
  active = budget;
  try {
    return fn();
  } finally {
    active = previous;
  }
}

/** The budget of the render in progress, if any. */
export function activeBudget(): Budget | null {
  return active;
}

/** Charges `n` steps to the render in progress, before a bulk operation (`what`) does them. */
export function chargeSteps(n = 1, what?: () => string): void {
  active?.step(n, what);
}

/** Charges `n` characters of built text to the render in progress. */
export function chargeText(n: number): void {
  active?.text(n);
}

/** Charges a native scan over `length` characters (`indexOf`, `split`, a regex): one step per KiB, at least one. */
export function chargeScan(length: number): void {
  active?.step(1 + (length >>> 10));
}

/** Charges a character-by-character JavaScript loop over `length` characters: one step per 16. */
export function chargeCharLoop(length: number): void {
  active?.step(1 + (length >>> 4));
}

/** Fails before building a string of `n` characters the render cannot afford (`what` names the operation). */
export function affordText(n: number, what: () => string): void {
  active?.affordText(n, what);
}

/** `sep.join(parts)`, refused before it is built when the render cannot afford the result. */
export function joinAffordably(parts: readonly string[], sep: string): string {
  const size = parts.reduce((n, p) => n + p.length, 0) + sep.length * Math.max(0, parts.length - 1);
  affordText(size, () => `joining ${parts.length} items`);
  return parts.join(sep);
}
