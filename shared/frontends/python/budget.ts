/**
 * The work and size budget of one evaluation. The static evaluator never runs a DAG file, but it
 * does evaluate what the file computes, and a few lines can ask for unbounded work (`"a" * 10**9`,
 * nested comprehensions, doubling a list in a loop, `itertools.permutations` of 20 items). Every
 * evaluation therefore counts its steps (statements, loop and comprehension iterations, calls) and
 * the size of the strings and collections it builds, and stops at the limits below with
 * SKYDAG-P006 at the line that went over. Limits that protect one value (a string, a list) fail
 * that statement; limits on the whole file stop the evaluation.
 *
 * The budget is per evaluation and the evaluator is synchronous, so the budget in force is held
 * here while `withBudget` runs: value constructors and natives charge it without threading it
 * through every helper. Outside an evaluation nothing is charged.
 *
 * These limits are the first line of defence; the worker that runs the front-end (see
 * `../bounded.ts`) caps time and memory for anything they miss.
 */
import { DiagnosticCode } from '../../model/diagnostics.js';
import { PyFail } from './values.js';

export interface EvaluationLimits {
  maxSteps: number;
  maxCallDepth: number;
  maxStringLength: number;
  maxCollectionSize: number;
  maxTotalBytes: number;
  maxBracketNesting: number;
}

export const EVALUATION_LIMITS: Readonly<EvaluationLimits> = Object.freeze({
  /** Statements, loop and comprehension iterations and user function calls per file. */
  maxSteps: 1_000_000,
  /** Nested user function calls (recursion). */
  maxCallDepth: 150,
  /** Characters in one string. */
  maxStringLength: 10_000_000,
  /** Items in one list, tuple, dict or set (also the longest `range`). */
  maxCollectionSize: 1_000_000,
  /**
   * Approximate bytes of every string and collection built while evaluating one file (a byte per
   * character, 8 per collection item: a reference). Freed values still count: this is a work budget.
   */
  maxTotalBytes: 128 * 1024 * 1024,
  /** Open brackets inside each other (CPython's parser refuses more than 200 too). */
  maxBracketNesting: 200,
});

const HINT = 'DAG files must build their DAGs from bounded loops over static data; the limits protect the scheduler (see docs/security.md, "Bounded DAG parsing")';

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * Stops the evaluation altogether (a file-wide budget is spent). `from` is filled in by the
 * innermost expression or statement that sees it go by, when the thrower did not know the position.
 */
export class Abort extends Error {
  constructor(
    message: string,
    public from?: number,
    readonly code: DiagnosticCode = DiagnosticCode.PARSE_LIMIT,
    readonly hint: string = HINT,
  ) {
    super(message);
  }
}

export class EvaluationBudget {
  steps = 0;
  totalBytes = 0;
  /** Once spent, a budget stays spent: a swallowed Abort is thrown again at the next charge. */
  private spent: string | null = null;

  constructor(readonly limits: EvaluationLimits = EVALUATION_LIMITS) {}

  step(from?: number): void {
    if (++this.steps > this.limits.maxSteps || this.spent !== null) {
      this.stop(`evaluation stopped after ${fmt(this.limits.maxSteps)} steps (statements, loop iterations and calls): an unbounded computation?`, from);
    }
  }

  /** Charges `n` characters or items of a value being built, checking the value's own limit first. */
  size(n: number, kind: 'string' | 'collection'): void {
    const max = kind === 'string' ? this.limits.maxStringLength : this.limits.maxCollectionSize;
    if (n > max) throw tooLarge(n, kind, max);
    this.totalBytes += kind === 'string' ? n : n * 8;
    if (this.totalBytes > this.limits.maxTotalBytes || this.spent !== null) {
      this.stop(`evaluation stopped: the file built more than ${fmt(this.limits.maxTotalBytes / 1024 / 1024)} MB of strings and collections`);
    }
  }

  private stop(message: string, from?: number): never {
    this.spent ??= message;
    throw new Abort(this.spent, from);
  }
}

/** A value over its own size limit: only the statement that builds it fails. */
function tooLarge(n: number, kind: 'string' | 'collection', max: number): PyFail {
  const message = kind === 'string' ? `a string of ${fmt(n)} characters is over the limit of ${fmt(max)}` : `a collection of ${fmt(n)} items is over the limit of ${fmt(max)}`;
  return new PyFail(message, HINT, DiagnosticCode.PARSE_LIMIT);
}

let active: EvaluationBudget | null = null;

/** Runs `fn` with `budget` charged by every value built meanwhile. */
export function withBudget<T>(budget: EvaluationBudget, fn: () => T): T {
  const previous = active;
  active = budget;
  try {
    return fn();
  } finally {
    active = previous;
  }
}

/** Charges a string of `length` characters that is being built. */
export function chargeString(length: number): void {
  if (active) active.size(length, 'string');
  else if (length > EVALUATION_LIMITS.maxStringLength) throw tooLarge(length, 'string', EVALUATION_LIMITS.maxStringLength);
}

/** Checks, before building it, that a string of `length` characters would be within its own limit. */
export function checkStringLength(length: number): void {
  const max = (active?.limits ?? EVALUATION_LIMITS).maxStringLength;
  if (length > max) throw tooLarge(length, 'string', max);
}

/** Checks, before building it, that a collection of `count` items would be within its own limit. */
export function checkCollectionSize(count: number): void {
  const max = (active?.limits ?? EVALUATION_LIMITS).maxCollectionSize;
  if (count > max) throw tooLarge(count, 'collection', max);
}

/** Charges a collection of `count` items that is being built. */
export function chargeItems(count: number): void {
  if (active) active.size(count, 'collection');
  else if (count > EVALUATION_LIMITS.maxCollectionSize) throw tooLarge(count, 'collection', EVALUATION_LIMITS.maxCollectionSize);
}

/** Charges `added` items joining, in place, a collection that already holds `size`. */
export function chargeGrowth(size: number, added: number): void {
  checkCollectionSize(size + added);
  if (active) active.size(added, 'collection');
}

/** Charges steps of work a native does on the file's behalf (e.g. searching permutations). */
export function chargeSteps(n = 1): void {
  if (!active) return;
  for (let i = 0; i < n; i++) active.step();
}
