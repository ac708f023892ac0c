/**
 * Import resolution: which value `import x` / `from m import n` / `m.n` stands for. Standard
 * library modules DAG files use are evaluated natively; Airflow names resolve to DAG/TaskGroup/
 * decorators/helpers or to operator classes through the registry (1.10, 2.x and 3.x paths); every
 * other module is opaque (its names are references, calling them gives dynamic values).
 */
import { RE_MODULE } from './re-module.js';
import { DiagnosticCode } from '../../model/diagnostics.js';
import {
  KNOWN_UNSUPPORTED_CLASSES,
  PROVIDER_MODULE_PREFIXES,
  customOperatorSpec,
  knownOperatorClassNames,
  operatorByClassName,
  unsupportedOperatorSpec,
} from '../../operators/registry.js';
import { didYouMean } from '../../util/suggest.js';
import { exceptionValue } from './builtins.js';
import { fn } from './natives.js';
import { FALSE, PyFail, list, str } from './values.js';
import {
  AIRFLOW_DATES_MODULE,
  AIRFLOW_TIMEZONE_MODULE,
  DATETIME_MODULE,
  PENDULUM_MODULE,
  PENDULUM_TZ_MODULE,
  ZONEINFO_MODULE,
  DATEUTIL_TZ_MODULE,
  PYTZ_MODULE,
} from './datetimes.js';
import {
  COLLECTIONS_MODULE,
  COPY_MODULE,
  FUNCTOOLS_MODULE,
  ITERTOOLS_MODULE,
  JSON_MODULE,
  LOGGING_MODULE,
  MATH_MODULE,
  OS_MODULE,
  OS_PATH_MODULE,
  PATHLIB_MODULE,
  GLOB_MODULE,
  RELATIVEDELTA_MODULE,
  STRING_MODULE,
  SYS_MODULE,
  TEMPFILE_MODULE,
  SHUTIL_MODULE,
  TEXTWRAP_MODULE,
} from './stdlib.js';
import type { ModuleV, OperatorClassV, Value } from './values.js';
import { YAML_MODULE } from './file-values.js';
import { ENUM_MODULE } from './enums.js';

/** A problem to report where the name was written (the value is still usable). */
export interface ImportProblem {
  code: (typeof DiagnosticCode)[keyof typeof DiagnosticCode];
  message: string;
  hint?: string;
}

export interface Resolved {
  value: Value;
  problem?: ImportProblem;
}

/** `if TYPE_CHECKING:` blocks hold imports for type checkers only: Python runs the file with it False. */
const TYPING_MODULE: Record<string, Value> = { TYPE_CHECKING: FALSE };

const STDLIB: Record<string, Record<string, Value>> = {
  datetime: DATETIME_MODULE,
  typing: TYPING_MODULE,
  typing_extensions: TYPING_MODULE,
  enum: ENUM_MODULE,
  pendulum: PENDULUM_MODULE,
  'pendulum.tz': PENDULUM_TZ_MODULE,
  'pendulum.tz.timezone': PENDULUM_TZ_MODULE,
  zoneinfo: ZONEINFO_MODULE,
  glob: GLOB_MODULE,
  re: RE_MODULE,
  'dateutil.tz': DATEUTIL_TZ_MODULE,
  // `from dateutil import tz` / `relativedelta`: the submodules.
  dateutil: {
    tz: { t: 'object', kind: 'module', attrs: new Map(Object.entries(DATEUTIL_TZ_MODULE)) },
    relativedelta: { t: 'object', kind: 'module', attrs: new Map(Object.entries(RELATIVEDELTA_MODULE)) },
  },
  pytz: PYTZ_MODULE,
  os: OS_MODULE,
  'os.path': OS_PATH_MODULE,
  json: JSON_MODULE,
  yaml: YAML_MODULE,
  textwrap: TEXTWRAP_MODULE,
  pathlib: PATHLIB_MODULE,
  logging: LOGGING_MODULE,
  sys: SYS_MODULE,
  tempfile: TEMPFILE_MODULE,
  shutil: SHUTIL_MODULE,
  itertools: ITERTOOLS_MODULE,
  copy: COPY_MODULE,
  math: MATH_MODULE,
  string: STRING_MODULE,
  functools: FUNCTOOLS_MODULE,
  collections: COLLECTIONS_MODULE,
  'dateutil.relativedelta': RELATIVEDELTA_MODULE,
  'airflow.utils.dates': AIRFLOW_DATES_MODULE,
  'airflow.utils.timezone': AIRFLOW_TIMEZONE_MODULE,
};

/** Modules with no runtime meaning for a DAG's structure: their names are inert references. */
const INERT_MODULES = new Set(['__future__', 'typing', 'typing_extensions', 'warnings', 'abc', 'dataclasses', 'enum']);

/** Airflow names that are not operators, and the value name they map to in the API exports. */
const AIRFLOW_NAMES = new Set([
  'DAG', 'TaskGroup', 'chain', 'chain_linear', 'cross_downstream', 'Label', 'Param', 'XComArg', 'task', 'dag', 'task_group',
  'TriggerRule', 'State', 'TaskInstanceState', 'DagRunState', 'Variable', 'BaseHook', 'conf', 'apply_defaults',
  'get_current_context', 'Dataset', 'DatasetAlias', 'DatasetAll', 'DatasetAny', 'DatasetOrTimeSchedule', 'CronDataIntervalTimetable',
  'DeltaDataIntervalTimetable', 'CronTriggerTimetable', 'EventsTimetable', 'Asset', 'AssetAlias', 'AssetAll', 'AssetAny', 'setup', 'teardown', 'WeekDay', 'WeightRule', 'is_venv_installed',
  'run_if', 'skip_if', 'literal', 'LiteralValue', 'SkippedStatePropagationOptions',
]);

/** Base classes user operators derive from. */
const BASE_CLASSES: Record<string, boolean> = {
  BaseOperator: false,
  BaseSensorOperator: true,
  BaseBranchOperator: false,
  SkipMixin: false,
};

/**
 * Real Airflow core operators and sensors (1.10 and 2.x) that the registry does not list: they
 * compile as unsupported (with a warning) instead of being reported as unknown names.
 */
const OTHER_AIRFLOW_OPERATORS = new Set([
  'BaseSQLOperator', 'SQLCheckOperator', 'SQLValueCheckOperator', 'SQLIntervalCheckOperator', 'SQLThresholdCheckOperator',
  'SQLColumnCheckOperator', 'SQLTableCheckOperator', 'BranchSQLOperator', 'ThresholdCheckOperator', 'SmoothOperator',
  'S3ToHiveTransfer', 'S3ToHiveOperator',
  'RedshiftToS3Transfer', 'S3ToRedshiftTransfer', 'HiveToMySqlTransfer', 'MySqlToHiveTransfer', 'PrestoCheckOperator',
  'PrestoValueCheckOperator', 'PrestoIntervalCheckOperator', 'PrestoToMySqlTransfer', 'DruidCheckOperator',
  'HiveStatsCollectionOperator', 'HiveToDruidTransfer', 'HiveToSambaOperator', 'Hive2SambaOperator', 'MsSqlToHiveTransfer',
  // 1.10's airflow.operators.* names that Airflow 2 maps to provider classes (deprecated imports).
  'S3FileTransformOperator', 'SlackAPIOperator',
  'WeekDaySensor', 'S3PrefixSensor',
  'SmartSensorOperator', 'ExternalTaskSensorAsync', 'FileSensorAsync', 'TriggerDagRunOperatorAsync',
]);

/** Classes of operator modules that are not operators (links, return values, 1.10's DagRunOrder). */
const NOT_OPERATORS = new Set(['PokeReturnValue', 'TriggerDagRunLink', 'ExternalDagLink', 'ExternalTaskSensorLink', 'DagRunOrder', 'Context', 'BranchMixIn']);

const isAirflow = (m: string) => m === 'airflow' || m.startsWith('airflow.');
/**
 * The standard provider is Airflow's core operators and sensors under another name (their home in
 * Airflow 3, installable on 2.x); Airflow's main line of late 2024 had them one level deeper
 * (`.core.operators.python`, `.time.operators.weekday`).
 */
const coreModuleOf = (m: string) => m.replace(/^airflow\.providers\.standard\.(?:[a-z_]+\.)?(operators|sensors|triggers|hooks)\./, 'airflow.$1.');
const isCoreOperatorModule = (m: string) => m === 'airflow.operators' || m.startsWith('airflow.operators.') || m === 'airflow.sensors' || m.startsWith('airflow.sensors.');
const isProvider = (m: string) => PROVIDER_MODULE_PREFIXES.some((p) => m.startsWith(p));
const looksLikeOperator = (module: string, name: string) =>
  /^[A-Z]/.test(name) && (/(Operator|Sensor)(Async)?$/.test(name) || /\.(operators|sensors|transfers)(\.|$)/.test(module));

function operatorClass(className: string, module: string, status: OperatorClassV['status'], spec: OperatorClassV['spec'], isSensor: boolean): OperatorClassV {
  return { t: 'operator_class', className, module, spec, status, isSensor };
}

/**
 * Values of a local module the reader can hand over as they are: data (numbers, strings, dates,
 * paths, containers of them), not functions, classes or objects whose meaning needs the module's code.
 */
function isPlainData(v: Value, depth = 0): boolean {
  if (depth > 32) return false;
  switch (v.t) {
    case 'none':
    case 'bool':
    case 'int':
    case 'float':
    case 'str':
    case 'datetime':
    case 'date':
    case 'time':
    case 'timedelta':
    case 'tz':
      return true;
    case 'list':
    case 'tuple':
      return v.items.every((x) => isPlainData(x, depth + 1));
    case 'set':
      return [...v.map.values()].every((x) => isPlainData(x, depth + 1));
    case 'dict':
      return [...v.map.values()].every(([k, x]) => isPlainData(k, depth + 1) && isPlainData(x, depth + 1));
    case 'object':
      // A pathlib path (`OUTPUT_BASE = Path("/opt/airflow/target")` in a settings module) is its text.
      return v.kind === 'PosixPath' && v.path !== undefined;
    default:
      return false;
  }
}

export class ModuleResolver {
  /** `sys.path` and `sys.argv` of this file's reading: its own lists (changes must not reach other files read by this process). */
  private readonly sysLists: Record<string, Value> = { path: list([]), argv: list([str('airflow')]) };

  constructor(
    private readonly airflowExports: Record<string, Value>,
    /** A local module's globals (the DAGs, plugins or project folder's), read without running it. */
    private readonly localModule?: (name: string) => ReadonlyMap<string, Value> | undefined,
  ) {}

  /**
   * `module.name` of a local module when the reader can hand it over: data, or a function the module
   * defines (called here, as Airflow's import runs it, so the tasks a factory makes belong to the DAG
   * being read); undefined otherwise.
   */
  localValue(module: string, name: string): Value | undefined {
    const value = this.localModule?.(module)?.get(name);
    if (value === undefined) return undefined;
    if (isPlainData(value) || (value.t === 'function' && value.origin !== undefined) || (value.t === 'class' && (value.plain !== undefined || value.timetable === true))) return value;
    // A @task / @task_group / @dag function of the module: called here, it adds its task, group or DAG to the file's.
    if (value.t === 'taskflow' && value.tf.fn.origin !== undefined) return value;
    if ((value.t === 'groupfn' || value.t === 'dagfn') && value.fn.origin !== undefined) return value;
    return undefined;
  }

  module(name: string): ModuleV {
    return { t: 'module', name, known: name in STDLIB || isAirflow(name) || INERT_MODULES.has(name) || name === 'os.path' };
  }

  /** `import a.b.c` binds `a`; `import a.b.c as x` binds the module a.b.c. */
  importModule(name: string, asname: string | null): { bind: string; value: Value } {
    if (asname !== null) return { bind: asname, value: this.module(name) };
    const top = name.split('.')[0]!;
    return { bind: top, value: this.module(top) };
  }

  /** The value of `module.name` (from-import or attribute access). */
  resolve(module: string, name: string, from: number): Resolved {
    if (module === 'sys' && Object.hasOwn(this.sysLists, name)) return { value: this.sysLists[name]! };
    const table = STDLIB[module];
    if (table) {
      const v = table[name];
      if (v !== undefined) return { value: v };
      if (module === 'os' && name === 'path') return { value: this.module('os.path') };
      if (module === 'datetime' || module === 'pendulum') {
        // Importing is fine (callables may use it at run time); calling it here is not supported.
        return {
          value: fn(name, module, () => {
            throw new PyFail(`${module}.${name} is not supported by skydag`, 'use datetime(...), timedelta(...), pendulum.datetime(...) or days_ago(n)', DiagnosticCode.UNSUPPORTED);
          }),
        };
      }
    }
    // Airflow's example helpers are code the reader runs (shim-modules.ts), not names it knows.
    if (module.startsWith('airflow.example_dags.')) {
      const shimmed = this.localValue(module, name);
      if (shimmed !== undefined) return { value: shimmed };
    }
    if (isAirflow(module)) return this.resolveAirflow(module, name, from);
    const local = this.localValue(module, name);
    if (local !== undefined) return { value: local };
    // Standard or third-party library names without static meaning: opaque references.
    return { value: { t: 'external', module, path: [name], from, imported: true } };
  }

  private resolveAirflow(module: string, name: string, from: number): Resolved {
    // Airflow 1.10's `from airflow import configuration as conf; conf.get(...)`: the module's functions are conf's methods.
    const conf = this.airflowExports.conf;
    if (module === 'airflow.configuration' && conf?.t === 'object' && conf.attrs.has(name)) return { value: conf.attrs.get(name)! };
    if (AIRFLOW_NAMES.has(name) && this.airflowExports[name]) {
      // `task` from airflow.operators.python (2.0) is the decorator too; `dag` there is a module name clash only in 2.x.
      return { value: this.airflowExports[name]! };
    }
    if (name in BASE_CLASSES) {
      const spec = customOperatorSpec(name, BASE_CLASSES[name]!);
      return { value: operatorClass(name, module, 'base', spec, BASE_CLASSES[name]!) };
    }
    if (module === 'airflow.exceptions' || /^Airflow\w*(Exception|Error|Timeout)$/.test(name)) return { value: exceptionValue(name, module) };
    if (module.startsWith('airflow.timetables') && /^[A-Z]/.test(name)) {
      return { value: fn(name, module, () => {
        throw new PyFail(`timetable ${name} is not supported by skydag`, "use a cron string (schedule='0 6 * * 1-5'), a preset such as '@daily', or a timedelta", DiagnosticCode.UNSUPPORTED);
      }) };
    }
    if (NOT_OPERATORS.has(name)) return { value: { t: 'external', module, path: [name], from } };

    const spec = operatorByClassName(name);
    const core = isCoreOperatorModule(coreModuleOf(module));
    const provider = isProvider(module);
    if (spec && (spec.modules.includes(module) || core || module.startsWith('airflow.contrib.'))) {
      return { value: operatorClass(name, module, 'known', spec, spec.sensor) };
    }
    if ((KNOWN_UNSUPPORTED_CLASSES.includes(name) || OTHER_AIRFLOW_OPERATORS.has(name)) && (core || provider)) {
      return { value: operatorClass(name, module, 'unsupported', unsupportedOperatorSpec(name), /Sensor/.test(name)) };
    }
    if ((provider || (spec && isAirflow(module))) && looksLikeOperator(module, name)) {
      return { value: operatorClass(name, module, 'unsupported', unsupportedOperatorSpec(name), /Sensor/.test(name)) };
    }
    if (core && /^[A-Z]/.test(name)) {
      return {
        value: operatorClass(name, module, 'unknown', null, false),
        problem: {
          code: DiagnosticCode.UNKNOWN_OPERATOR,
          message: `unknown operator '${name}'${didYouMean(name, knownOperatorClassNames())}`,
          hint: `'${name}' is not an operator skydag knows from ${module}; check the spelling or the import path`,
        },
      };
    }
    if (/^[a-z_][a-z0-9_]*$/.test(name) && !(name in (STDLIB[module] ?? {}))) {
      // A lower-case name under airflow is (almost always) a submodule: airflow.utils.timezone, ...
      const sub = `${module}.${name}`;
      if (sub in STDLIB || !/^(get_|is_|make_|days_)/.test(name)) return { value: this.module(sub) };
    }
    return { value: { t: 'external', module, path: [name], from } };
  }
}
