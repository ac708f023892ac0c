/**
 * The YAML front-end: reads DAG files in dag-factory's format (the YAML format Amazon MWAA
 * Serverless adopted) into the DAG model, with the same builders as the Python front-end.
 *
 * Every top-level key except `default` is a DAG (the key is its dag_id); `default` holds DAG
 * arguments and default_args shared by every DAG of the file (the DAG's own values win). All
 * problems are reported in one pass, each at the line:col of the YAML node it is about.
 */
import { DiagnosticBag, DiagnosticCode } from '../../model/diagnostics.js';
import type { Dag, Diagnostic } from '../../model/schema.js';
import type { Frontend, FrontendOptions, FrontendResult } from '../types.js';
import { buildYamlDag } from './dag.js';
import { YAML_LIMITS, describeNode, expandedSize, loadYaml, type YMap } from './nodes.js';

const LIMIT_HINT = 'alias expansion and nesting are bounded to protect the scheduler (see docs/security.md, "Bounded DAG parsing")';

/** Top-level keys dag-factory does not treat as DAGs. */
const NOT_DAGS = new Set(['default', 'task_groups']);

/** Keys of a dag-factory DAG configuration: a file where no top-level entry has one is not a DAG file. */
const DAG_CONFIG_KEYS = new Set(['tasks', 'task_groups', 'default_args', 'schedule', 'schedule_interval', 'timetable', 'start_date', 'end_date', 'catchup', 'description', 'dag_id', 'tags', 'params', 'max_active_runs', 'max_active_tasks', 'dagrun_timeout_sec', 'doc_md', 'on_success_callback', 'on_failure_callback']);

/** A YAML file that is no dag-factory file (e.g. a config file DAG files read at parse time): a warning, no import error. */
function notADagFile(bag: DiagnosticBag, at: { file: string; line: number; col: number }, why: string): void {
  bag.warning(DiagnosticCode.NO_DAG, `no DAG found in file: ${why}`, at, {
    hint: 'a dag-factory DAG is `<dag_id>: {default_args: {...}, schedule: ..., tasks: {...}}`; a config file DAG files read can stay in the DAGs folder',
  });
}

export const parseYamlDagFile: Frontend = (source: string, options: FrontendOptions): FrontendResult => {
  const bag = new DiagnosticBag();
  const at = (pos: { line: number; col: number }) => ({ file: options.file, line: pos.line, col: pos.col });
  const loaded = loadYaml(source);
  for (const p of loaded.problems) {
    const code = p.kind === 'syntax' ? DiagnosticCode.SYNTAX : p.kind === 'limit' ? DiagnosticCode.PARSE_LIMIT : DiagnosticCode.YAML;
    if (p.kind === 'limit') bag.error(code, p.message, at(p.pos), { hint: LIMIT_HINT });
    else if (p.severity === 'error') bag.error(code, p.message, at(p.pos));
    else bag.warning(code, p.message, at(p.pos));
  }
  const dags: Dag[] = [];
  const root = loaded.root;
  if (root === null) return { dags, diagnostics: bag.items };
  if (root.kind !== 'map') {
    // A list or a scalar is no dag-factory file: a config file DAG files read (a warning, as a Python file without a DAG).
    if (bag.hasErrors) bag.error(DiagnosticCode.YAML, `a dag-factory file is a mapping of DAG ids to DAG configurations (got ${describeNode(root)})`, at(root.pos));
    else notADagFile(bag, at(root.pos), `it is ${describeNode(root)}, not a mapping of DAG ids to DAG configurations`);
    return { dags, diagnostics: bag.items };
  }
  const configures = (e: (typeof root.entries)[number]) => e.value.kind === 'map' && e.value.entries.some((x) => DAG_CONFIG_KEYS.has(x.key));
  if (!bag.hasErrors && !root.entries.some((e) => e.key === 'default' || (!NOT_DAGS.has(e.key) && configures(e)))) {
    notADagFile(bag, at(root.pos), 'no top-level entry is a DAG configuration (default_args, schedule, tasks, ...)');
    return { dags, diagnostics: bag.items };
  }

  let defaults: YMap | undefined;
  const defaultEntry = root.entries.find((e) => e.key === 'default');
  if (defaultEntry) {
    if (defaultEntry.value.kind === 'map') defaults = defaultEntry.value;
    else if (!(defaultEntry.value.kind === 'scalar' && defaultEntry.value.value === null)) {
      bag.error(DiagnosticCode.YAML, `default must be a mapping of DAG arguments (got ${describeNode(defaultEntry.value)})`, at(defaultEntry.value.pos));
    }
  }

  // Every DAG gets its own copy of the default block: count those copies against the alias budget too.
  const dagCount = root.entries.filter((e) => !NOT_DAGS.has(e.key)).length;
  if (defaults && defaultEntry && expandedSize(root) + expandedSize(defaults) * dagCount > YAML_LIMITS.maxExpandedNodes) {
    bag.error(
      DiagnosticCode.PARSE_LIMIT,
      `the default block (${expandedSize(defaults).toLocaleString('en-US')} nodes) copied into each of the ${dagCount} DAGs makes the file expand to more than ${YAML_LIMITS.maxExpandedNodes.toLocaleString('en-US')} nodes`,
      at(defaultEntry.keyPos),
      { hint: LIMIT_HINT },
    );
    return { dags, diagnostics: bag.items };
  }

  for (const e of root.entries) {
    if (e.key === 'task_groups') {
      bag.warning(DiagnosticCode.YAML, 'a top-level task_groups key is ignored; declare task_groups inside a DAG', at(e.keyPos));
    }
    if (NOT_DAGS.has(e.key)) continue;
    if (e.value.kind !== 'map') {
      bag.error(DiagnosticCode.YAML, `DAG '${e.key}' must be a mapping of DAG arguments (got ${describeNode(e.value)})`, at(e.value.pos), {
        dag_id: e.key,
        hint: 'e.g. my_dag: {default_args: {start_date: 2024-01-01}, schedule: "@daily", tasks: [...]}',
      });
      continue;
    }
    dags.push(buildYamlDag({ name: e.key, pos: e.keyPos, config: e.value, defaults, file: options.file, now: options.now, bag }));
  }
  return { dags, diagnostics: withoutRepeats(bag.items) };
};

/** A problem in the default block is found once per DAG; it is reported once. */
function withoutRepeats(items: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return items.filter((d) => {
    const key = JSON.stringify([d.code, d.severity, d.line, d.col, d.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
