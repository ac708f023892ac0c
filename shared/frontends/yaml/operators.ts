/**
 * Resolves dag-factory's `operator: package.module.ClassName` (and `decorator:`) to an operator spec,
 * with the same rules as the Python front-end's imports:
 *
 * - a class from an `airflow.*` module that the registry knows → that spec (matched by class name);
 * - a known-unsupported class, or any class from a provider module → the unsupported spec (W002);
 * - any other class from an Airflow core module → SKYDAG-V008 with a did-you-mean;
 * - a class from a non-Airflow module → a user-defined (custom) operator run by the Python runner.
 */
import { DiagnosticCode } from '../../model/diagnostics.js';
import {
  KNOWN_UNSUPPORTED_CLASSES,
  PROVIDER_MODULE_PREFIXES,
  TASKFLOW_DECORATORS,
  customOperatorSpec,
  knownOperatorClassNames,
  operatorByClassName,
  operatorByKind,
  unsupportedOperatorSpec,
  type OperatorSpec,
} from '../../operators/registry.js';
import { didYouMean, closestName } from '../../util/suggest.js';
import { describeNode, type YNode } from './nodes.js';
import { report, type ValueContext } from './values.js';

export interface ResolvedOperator {
  spec: OperatorSpec;
  /** Class name as written (or `@task` for TaskFlow decorators). */
  operator: string;
  module: string;
}

const DOTTED = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$/;

function isAirflowModule(module: string): boolean {
  return module === 'airflow' || module.startsWith('airflow.');
}

function splitPath(node: YNode, key: string, ctx: ValueContext): { module: string; className: string } | undefined {
  const text = node.kind === 'scalar' && typeof node.value === 'string' ? node.value.trim() : undefined;
  if (text === undefined) {
    report(ctx, DiagnosticCode.UNKNOWN_OPERATOR, `${key} must be the import path of a class (got ${describeNode(node)})`, node.pos);
    return undefined;
  }
  if (!DOTTED.test(text)) {
    const known = operatorByClassName(text);
    const hint = known ? `write the full import path, e.g. ${known.modules[0]}.${text}` : 'write the full import path, e.g. airflow.operators.bash.BashOperator';
    report(ctx, DiagnosticCode.UNKNOWN_OPERATOR, `${key} '${text}' is not an import path (module.ClassName)`, node.pos, hint);
    return undefined;
  }
  const dot = text.lastIndexOf('.');
  return { module: text.slice(0, dot), className: text.slice(dot + 1) };
}

/** The operator class named by a task's `operator:` value; undefined (with a diagnostic) when unknown. */
export function resolveOperator(node: YNode, ctx: ValueContext): ResolvedOperator | undefined {
  const parts = splitPath(node, 'operator', ctx);
  if (!parts) return undefined;
  const { module, className } = parts;
  if (!isAirflowModule(module)) {
    return { spec: customOperatorSpec(className, /Sensor$/.test(className)), operator: className, module };
  }
  const known = operatorByClassName(className);
  if (known) return { spec: known, operator: className, module };
  if (KNOWN_UNSUPPORTED_CLASSES.includes(className) || PROVIDER_MODULE_PREFIXES.some((p) => module.startsWith(p))) {
    report(ctx, DiagnosticCode.NOT_EXECUTABLE, `${className} (${module}) is recognised but skydag does not execute it; the task will fail when it runs`, node.pos, undefined, 'warning');
    return { spec: unsupportedOperatorSpec(className), operator: className, module };
  }
  const guess = closestName(className, knownOperatorClassNames());
  const guessSpec = guess ? operatorByClassName(guess) : undefined;
  report(
    ctx,
    DiagnosticCode.UNKNOWN_OPERATOR,
    `unknown operator ${className} in ${module}${didYouMean(className, knownOperatorClassNames())}`,
    node.pos,
    guessSpec ? `e.g. operator: ${guessSpec.modules[0]}.${guess}` : undefined,
  );
  return undefined;
}

/**
 * A TaskFlow task (`decorator: airflow.decorators.task`). dag-factory imports the decorator; the
 * `task` decorator (Airflow 2 `airflow.decorators`, Airflow 3 `airflow.sdk`) maps onto the Python
 * operator kind.
 */
export function resolveDecorator(node: YNode, ctx: ValueContext): ResolvedOperator | undefined {
  const parts = splitPath(node, 'decorator', ctx);
  if (!parts) return undefined;
  const { module, className } = parts;
  const kind = TASKFLOW_DECORATORS[className];
  if (isAirflowModule(module) && kind !== undefined) {
    const spec = operatorByKind(kind);
    if (spec) return { spec, operator: `@${className}`, module };
  }
  report(ctx, DiagnosticCode.UNKNOWN_OPERATOR, `unsupported decorator ${module}.${className}`, node.pos, 'use decorator: airflow.decorators.task, or an operator');
  return undefined;
}
