/**
 * The DAG model: the one representation every front-end produces and every later stage (validator,
 * compiler, runtime, API, console) consumes. It is defined once here as JSON Schema (TypeBox) and the
 * TypeScript types are derived from it, so the schema and the types cannot drift apart.
 *
 * Versioning: `schema_version` is bumped only for incompatible changes. New fields are optional and
 * default to the old behaviour, so readers accept older documents without branching.
 *
 * Values that JSON cannot express (datetimes, durations, Python callables, TaskFlow outputs) are
 * encoded as tagged objects (see {@link PyValueSchema}). Durations that the runtime needs (retry delay,
 * timeouts, SLA, poke interval) are also normalised to seconds in dedicated fields.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { DAG_ACTIONS, DAG_MODEL_SCHEMA_VERSION, ROLE_NAME_MAX_LENGTH, TRIGGER_RULES } from './constants.js';

// The model's plain constants live in constants.ts (no TypeBox: a process that only needs them does
// not load the schema library); they are part of the model's interface here too.
export { DAG_ACTIONS, DAG_MODEL_SCHEMA_VERSION, ROLE_NAME_MAX_LENGTH, ROLE_NAME_PATTERN, TRIGGER_RULE_ALIASES, TRIGGER_RULES, TriggerRule, type DagAction } from './constants.js';


/** Where something was written: 1-based line and column in a DAG file. */
export const SourceLocationSchema = Type.Object(
  {
    file: Type.String({ description: 'DAG file path, relative to the dags folder when known' }),
    line: Type.Integer({ minimum: 1 }),
    col: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type SourceLocation = Static<typeof SourceLocationSchema>;

/** A Python callable captured by reference (never executed at parse time). */
export const CallableRefSchema = Type.Object(
  {
    $type: Type.Literal('callable'),
    name: Type.String({ description: 'Name of the function as defined in the DAG file (or dotted path for imports)' }),
    module: Type.Optional(Type.String({ description: 'Module it was imported from, when not defined in the DAG file' })),
    file: Type.String(),
    line: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type CallableRef = Static<typeof CallableRefSchema>;

/** A value defined below ({@link PyValueSchema}), referenced by id before it exists. */
const pyValueByName = <T>() => Type.Unsafe<T>({ $ref: 'PyValue' });

/**
 * The output of a task (an XComArg) passed as an argument to another task, possibly transformed for
 * dynamic task mapping (Airflow 2.4+):
 * - `zip` (`a.zip(b, …, fillvalue=…)`): the value is the zipped lists of `zip.args` (the first is
 *   this reference's own task); as long as the shortest, or the longest when `fillvalue` is present
 *   (even `None`). `task_id`/`key` are those of the first argument.
 * - `concat` (`a.concat(b, …)`, Airflow 2.10): the items of `concat.args` one after the other (a
 *   dict gives its keys); `task_id`/`key` are those of the first argument.
 * - `map` (`.map(fn)`, chained `.map(f).map(g)`): functions applied to each item in order, after the
 *   zip or concat. They run in the task's process (only it has the DAG file's functions); the references are
 *   for display.
 */
export const XComArgRefSchema = Type.Object(
  {
    $type: Type.Literal('xcom_arg'),
    task_id: Type.String(),
    key: Type.String({ default: 'return_value' }),
    map: Type.Optional(Type.Array(CallableRefSchema, { minItems: 1 })),
    zip: Type.Optional(
      Type.Object(
        { args: Type.Array(pyValueByName<XComArgRefShape>(), { minItems: 1 }), fillvalue: Type.Optional(pyValueByName<PyValue>()) },
        { additionalProperties: false },
      ),
    ),
    concat: Type.Optional(Type.Object({ args: Type.Array(pyValueByName<XComArgRefShape>(), { minItems: 1 }) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
interface XComArgRefShape {
  $type: 'xcom_arg';
  task_id: string;
  key: string;
  map?: CallableRef[];
  zip?: { args: XComArgRefShape[]; fillvalue?: PyValue };
  concat?: { args: XComArgRefShape[] };
}
export type XComArgRef = XComArgRefShape;

/**
 * A parameter of a mapped task group's function (Airflow's MappedArgument: `@task_group def g(x)`,
 * then `g.expand(x=[...])`) passed to a task in the group: each map index gets its own value.
 */
export const MappedArgumentSchema = Type.Object(
  { $type: Type.Literal('mapped_argument'), name: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);
export type MappedArgument = Static<typeof MappedArgumentSchema>;

export const DateTimeValueSchema = Type.Object(
  {
    $type: Type.Literal('datetime'),
    value: Type.String({ description: 'ISO-8601 instant with offset' }),
    timezone: Type.String({ description: 'IANA zone the value was written in' }),
  },
  { additionalProperties: false },
);
export type DateTimeValue = Static<typeof DateTimeValueSchema>;

export const TimedeltaValueSchema = Type.Object(
  { $type: Type.Literal('timedelta'), seconds: Type.Number() },
  { additionalProperties: false },
);
export type TimedeltaValue = Static<typeof TimedeltaValueSchema>;

/**
 * `literal(value)` (airflow.utils.template, Airflow 2.8+) in a templated field: the value is used as
 * it is, neither rendered with Jinja nor read as a template file. Only kept in templated fields (the
 * renderer unwraps it); elsewhere the model holds the plain value.
 */
export interface LiteralValueShape {
  $type: 'literal';
  value: PyValue;
}

/**
 * Any argument value: JSON, or one of the tagged non-JSON values. Recursive through arrays and
 * objects (Python tuples become arrays; dict keys become strings).
 */
export const PyValueSchema = Type.Recursive(
  (Self) =>
    Type.Union([
      Type.Null(),
      Type.Boolean(),
      Type.Number(),
      Type.String(),
      Type.Array(Self),
      CallableRefSchema,
      XComArgRefSchema,
      MappedArgumentSchema,
      DateTimeValueSchema,
      TimedeltaValueSchema,
      Type.Object({ $type: Type.Literal('literal'), value: Self }, { additionalProperties: false }),
      Type.Record(Type.String(), Self),
    ]),
  { $id: 'PyValue' },
);
/** Where a PyValue appears in another schema: one reference, so the recursive schema is defined once. */
export const PyValueRef = Type.Ref(PyValueSchema);

export type PyValue =
  | null
  | boolean
  | number
  | string
  | PyValue[]
  | CallableRef
  | XComArgRef
  | MappedArgument
  | DateTimeValue
  | TimedeltaValue
  | LiteralValueShape
  | { [key: string]: PyValue };

const literalUnion = <T extends string>(values: readonly T[], options: { $id?: string; description?: string } = {}) =>
  Type.Union(values.map((v) => Type.Literal(v)), options) as unknown as TSchema & { static: T };

export const TriggerRuleSchema = literalUnion(TRIGGER_RULES, {});

/** How a DAG is scheduled. Presets are kept (for display) and also expanded to cron. */
export const ScheduleSchema = Type.Union(
  [
    Type.Object({ type: Type.Literal('none') }, { additionalProperties: false }),
    Type.Object({ type: Type.Literal('once') }, { additionalProperties: false }),
    Type.Object(
      {
        type: Type.Literal('cron'),
        cron: Type.String({ description: '5-field Unix cron (Airflow semantics)' }),
        preset: Type.Optional(Type.String({ description: 'The preset as written, e.g. @daily' })),
        timezone: Type.Optional(Type.String({ description: "The timetable's own zone (a timetable's timezone=), overriding the DAG's" })),
        trigger: Type.Optional(
          Type.Object(
            { interval_seconds: Type.Number({ minimum: 0, description: 'CronTriggerTimetable interval=: the data interval ends at the trigger time and is this long' }) },
            { additionalProperties: false, description: 'CronTriggerTimetable: a run fires at each cron tick (logical date = interval start), instead of after the interval between ticks' },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      { type: Type.Literal('timedelta'), seconds: Type.Number({ exclusiveMinimum: 0 }) },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        type: Type.Literal('relativedelta'),
        years: Type.Integer(),
        months: Type.Integer({ description: 'Added with the years first, the day clamped to the month as dateutil does' }),
        seconds: Type.Number({ description: 'Then this many seconds (days, hours, minutes, seconds, microseconds)' }),
      },
      { additionalProperties: false, description: 'DeltaDataIntervalTimetable over a dateutil relativedelta with months (a fixed duration is a timedelta schedule)' },
    ),
    Type.Object(
      {
        type: Type.Literal('events'),
        events: Type.Array(Type.String({ minLength: 20, maxLength: 40 }), { minItems: 1, maxItems: 100_000, description: 'The instants a run is scheduled at, ascending, without duplicates' }),
        restrict_to_events: Type.Boolean({ description: 'A manual run covers the latest event at or before it (the first event before any), instead of its own instant' }),
        description: Type.Optional(Type.String({ maxLength: 1000 })),
      },
      { additionalProperties: false, description: 'EventsTimetable: a run at each listed instant' },
    ),
    Type.Object(
      {
        type: Type.Literal('custom'),
        timetable: Type.String({ minLength: 1, maxLength: 250, description: 'The class name, as the DAG file wrote it' }),
      },
      {
        additionalProperties: false,
        description: "A Timetable subclass of the DAG file or of a module it imports (a plugin's): its next_dagrun_info and infer_manual_data_interval run in the DAG file's Python process",
      },
    ),
  ],
  {},
);
export type Schedule = Static<typeof ScheduleSchema>;

/** A dataset a task updates (`outlets=[Dataset(uri, extra=...)]`). */
export const DatasetRefSchema = Type.Object(
  {
    uri: Type.String({ minLength: 1, maxLength: 3000 }),
    extra: Type.Optional(Type.Record(Type.String(), PyValueRef)),
  },
  { additionalProperties: false },
);
export type DatasetRef = Static<typeof DatasetRefSchema>;

/** A dataset alias's name (`DatasetAlias(name)`, Airflow 2.10): at most 3000 characters, as Airflow's column. */
export const DatasetAliasNameSchema = Type.String({ minLength: 1, maxLength: 3000 });

/**
 * When a data-aware DAG runs (`schedule=[Dataset(...)]`, `DatasetAll`/`DatasetAny`, `&`/`|`): a
 * dataset, or every / any of its parts. A list of datasets is `all`. An `alias` stands for any of
 * the datasets events were ever added to through that alias (nothing while it has none).
 */
export const DatasetConditionSchema = Type.Recursive(
  (Self) =>
    Type.Union([
      Type.Object({ uri: Type.String({ minLength: 1, maxLength: 3000 }) }, { additionalProperties: false }),
      Type.Object({ alias: DatasetAliasNameSchema }, { additionalProperties: false }),
      Type.Object({ all: Type.Array(Self, { minItems: 1 }) }, { additionalProperties: false }),
      Type.Object({ any: Type.Array(Self, { minItems: 1 }) }, { additionalProperties: false }),
    ]),
  { $id: 'DatasetCondition' },
);
export type DatasetCondition = { uri: string } | { alias: string } | { all: DatasetCondition[] } | { any: DatasetCondition[] };

export const SensorSettingsSchema = Type.Object(
  {
    poke_interval_seconds: Type.Number({ minimum: 0, default: 60 }),
    timeout_seconds: Type.Number({ minimum: 0, default: 604800 }),
    mode: Type.Union([Type.Literal('poke'), Type.Literal('reschedule')], { default: 'poke' }),
    soft_fail: Type.Boolean({ default: false }),
    exponential_backoff: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);
export type SensorSettings = Static<typeof SensorSettingsSchema>;

export const TaskCallbacksSchema = Type.Object(
  {
    on_failure_callback: Type.Optional(CallableRefSchema),
    on_success_callback: Type.Optional(CallableRefSchema),
    on_retry_callback: Type.Optional(CallableRefSchema),
    on_execute_callback: Type.Optional(CallableRefSchema),
    // Run when the try raised AirflowSkipException (Airflow 2.9+); not for tasks skipped by the scheduler.
    on_skipped_callback: Type.Optional(CallableRefSchema),
    // BaseOperator's pre_execute=/post_execute= hooks: pre_execute(context) before the execution (raising
    // fails the try, AirflowSkipException skips it), post_execute(context, result) after it succeeded.
    pre_execute: Type.Optional(CallableRefSchema),
    post_execute: Type.Optional(CallableRefSchema),
    sla_miss_callback: Type.Optional(CallableRefSchema),
  },
  { additionalProperties: false },
);
export type Callbacks = Static<typeof TaskCallbacksSchema>;

/**
 * Dynamic task mapping (`.expand()` / `.expand_kwargs()`): one task instance per index, made when the
 * task is about to run. `kwargs`: argument name → a list, a dict (mapped over its items) or an upstream
 * XComArg, several names mapped as their cross product (Airflow's order); `kwargs_list`: a list of
 * dicts (or an XComArg of one), one index per dict.
 */
export const TaskExpandSchema = Type.Object(
  {
    kind: Type.Union([Type.Literal('kwargs'), Type.Literal('kwargs_list')]),
    value: PyValueRef,
    /**
     * Where each index's values go: the @task function's arguments (`op_kwargs`), the operator's own
     * (`args`), or (`group`) the `mapped_argument` values in the task's arguments: the task is in a
     * mapped task group and maps as the group does.
     */
    target: Type.Union([Type.Literal('op_kwargs'), Type.Literal('args'), Type.Literal('group')]),
    /**
     * The mapped task group (`@task_group` function's `.expand()` / `.expand_kwargs()`) the task maps
     * with: every task in it has the group's indexes, and index i of a task reads index i of the
     * group's other tasks (their XComArgs, their states for its trigger rule).
     */
    group_id: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type TaskExpand = Static<typeof TaskExpandSchema>;

export const TaskSchema = Type.Object(
  {
    task_id: Type.String({ minLength: 1, description: 'Full id, including task-group prefixes (group.task)' }),
    operator: Type.String({ description: 'Operator class name as written in the file (e.g. CoutureSparkOperator, @task)' }),
    operator_kind: Type.String({ description: 'Canonical operator kind from the operator registry (e.g. bash, couture_spark)' }),
    operator_module: Type.Optional(Type.String({ description: 'Import path the operator came from' })),
    args: Type.Record(Type.String(), PyValueRef, {
      description: 'Operator-specific arguments after default_args merging (BaseOperator fields are lifted out)',
    }),
    upstream_task_ids: Type.Array(Type.String()),
    downstream_task_ids: Type.Array(Type.String()),
    trigger_rule: TriggerRuleSchema,
    retries: Type.Integer({ minimum: 0, default: 0 }),
    retry_delay_seconds: Type.Number({ minimum: 0, default: 300 }),
    retry_exponential_backoff: Type.Boolean({ default: false }),
    max_retry_delay_seconds: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { default: null }),
    execution_timeout_seconds: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()], { default: null }),
    depends_on_past: Type.Boolean({ default: false }),
    wait_for_downstream: Type.Boolean({ default: false }),
    pool: Type.String({ default: 'default_pool' }),
    pool_slots: Type.Integer({ minimum: 1, default: 1 }),
    priority_weight: Type.Number({ default: 1 }),
    weight_rule: Type.String({ default: 'downstream' }),
    sla_seconds: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { default: null }),
    /** `map_index_template` (Airflow 2.9+): a Jinja template rendered after each try, the index's `rendered_map_index`. */
    map_index_template: Type.Optional(Type.String()),
    /** `task_display_name` (Airflow 2.9+): the name the API and console show instead of the id; absent: the id. */
    task_display_name: Type.Optional(Type.String({ minLength: 1 })),
    queue: Type.Union([Type.String(), Type.Null()], { default: null }),
    executor_config: Type.Optional(Type.Record(Type.String(), PyValueRef)),
    max_active_tis_per_dag: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { default: null }),
    do_xcom_push: Type.Boolean({ default: true }),
    owner: Type.String({ default: 'airflow' }),
    email: Type.Array(Type.String()),
    email_on_failure: Type.Boolean({ default: true }),
    email_on_retry: Type.Boolean({ default: true }),
    params: Type.Record(Type.String(), PyValueRef),
    templated_fields: Type.Array(Type.String(), { description: 'Names of args rendered with Jinja before execution' }),
    template_ext: Type.Array(Type.String()),
    task_group_id: Type.Union([Type.String(), Type.Null()]),
    description: Type.Union([Type.String(), Type.Null()]),
    doc_md: Type.Union([Type.String(), Type.Null()]),
    sensor: Type.Union([SensorSettingsSchema, Type.Null()], { description: 'Set for sensors (poke loop settings)' }),
    branch_targets: Type.Optional(
      Type.Array(Type.String(), { description: 'Task ids a branch callable can return, when they could be read statically' }),
    ),
    callbacks: TaskCallbacksSchema,
    expand: Type.Optional(TaskExpandSchema),
    /** Setup and teardown tasks (`as_setup()`, `as_teardown()`, `@setup`, `@teardown`); absent: an ordinary task. */
    is_setup: Type.Optional(Type.Boolean()),
    is_teardown: Type.Optional(Type.Boolean()),
    /** A teardown whose failure fails the run (otherwise the run's state ignores teardowns). */
    on_failure_fail_dagrun: Type.Optional(Type.Boolean()),
    /** Datasets a success of this task updates (`outlets`); absent when it updates none. */
    outlets: Type.Optional(Type.Array(DatasetRefSchema)),
    /** Datasets the task reads (`inlets`): its code sees their events as `inlet_events`; absent when none. */
    inlets: Type.Optional(Type.Array(DatasetRefSchema)),
    /** Dataset aliases among its outlets (`DatasetAlias(name)`): its code adds events through them (`outlet_events[alias].add(...)`). */
    outlet_aliases: Type.Optional(Type.Array(DatasetAliasNameSchema)),
    /** Dataset aliases among its inlets: `inlet_events[DatasetAlias(name)]` gives the events added through them. */
    inlet_aliases: Type.Optional(Type.Array(DatasetAliasNameSchema)),
    source: SourceLocationSchema,
  },
  { $id: 'Task', additionalProperties: false },
);
export type Task = Static<typeof TaskSchema>;

export const TaskGroupSchema = Type.Object(
  {
    group_id: Type.String({ description: 'Full id including parent prefixes' }),
    parent_group_id: Type.Union([Type.String(), Type.Null()]),
    tooltip: Type.String({ default: '' }),
    prefix_group_id: Type.Boolean({ default: true }),
    source: SourceLocationSchema,
  },
  { $id: 'TaskGroup', additionalProperties: false },
);
export type TaskGroup = Static<typeof TaskGroupSchema>;

/**
 * A DAG file's `access_control` (Airflow's `DAG(access_control={"role": {"can_read", "can_edit"}})`):
 * the DAG-level actions each named role holds on this DAG. When a DAG sets it, it is the whole list of
 * per-DAG grants on that DAG (roles with global DAG permissions keep them).
 */
export const AccessControlSchema = Type.Record(
  Type.String({ minLength: 1, maxLength: ROLE_NAME_MAX_LENGTH }),
  Type.Array(Type.Union(DAG_ACTIONS.map((a) => Type.Literal(a)))),
  { description: 'Role name → DAG-level actions (can_read, can_edit, can_delete) on this DAG' },
);
export type AccessControl = Static<typeof AccessControlSchema>;

/** `a >> Label("text") >> b`: the text the graph shows on the edge a → b (display only). */
export const EdgeLabelSchema = Type.Object(
  { upstream_task_id: Type.String(), downstream_task_id: Type.String(), label: Type.String() },
  { $id: 'EdgeLabel', additionalProperties: false },
);
export type EdgeLabel = Static<typeof EdgeLabelSchema>;

export const DagSchema = Type.Object(
  {
    schema_version: Type.Literal(DAG_MODEL_SCHEMA_VERSION),
    dag_id: Type.String({ minLength: 1, maxLength: 250, pattern: '^[A-Za-z0-9_.\\-]+$' }),
    /** `dag_display_name` (Airflow 2.9+): the name the API and console show instead of the id; absent: the id. */
    dag_display_name: Type.Optional(Type.String({ minLength: 1 })),
    /**
     * A SubDagOperator's sub-DAG (`<parent_dag_id>.<task_id>`): the parent DAG's id. Such a DAG only
     * runs through that task (never on its own schedule), as Airflow's scheduler skips sub-DAGs.
     */
    parent_dag_id: Type.Optional(Type.String({ minLength: 1 })),
    description: Type.Union([Type.String(), Type.Null()]),
    doc_md: Type.Union([Type.String(), Type.Null()]),
    schedule: ScheduleSchema,
    /**
     * Data-aware scheduling: runs when the condition's datasets were updated. With it, `schedule` is
     * the time part of a DatasetOrTimeSchedule (or none). Absent for DAGs scheduled by time only.
     */
    dataset_schedule: Type.Optional(Type.Ref(DatasetConditionSchema)),
    start_date: Type.Union([Type.String({ description: 'ISO-8601 instant' }), Type.Null()]),
    end_date: Type.Union([Type.String(), Type.Null()]),
    timezone: Type.String({ default: 'UTC', description: 'IANA zone for schedules (from start_date or the DAG timezone)' }),
    catchup: Type.Boolean({ default: true }),
    max_active_runs: Type.Integer({ minimum: 1, default: 16 }),
    max_active_tasks: Type.Integer({ minimum: 1, default: 16 }),
    dagrun_timeout_seconds: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()]),
    params: Type.Record(Type.String(), PyValueRef),
    tags: Type.Array(Type.String()),
    owner: Type.String({ description: 'Owners of the tasks, comma-joined as Airflow shows them' }),
    default_args: Type.Record(Type.String(), PyValueRef, { description: 'As written, for display and round-trip' }),
    callbacks: TaskCallbacksSchema,
    template_searchpath: Type.Array(Type.String()),
    render_template_as_native_obj: Type.Boolean({ default: false }),
    template_undefined: Type.Optional(
      Type.Union([Type.Literal('Undefined'), Type.Literal('ChainableUndefined'), Type.Literal('DebugUndefined')], {
        description: "DAG(template_undefined=jinja2.X): the Undefined class templates render with; absent: StrictUndefined, Airflow's default",
      }),
    ),
    user_defined_macros: Type.Optional(
      Type.Object(
        {
          values: Type.Record(Type.String(), PyValueRef, { description: 'Macros that are plain data, known when the file is read' }),
          python: Type.Array(Type.String(), {
            description: "Names of macros only the DAG file's Python process has (functions, objects, modules): a template's use of one is evaluated there",
          }),
        },
        { additionalProperties: false, description: "DAG(user_defined_macros=...): template globals under the task context; absent when not given" },
      ),
    ),
    user_defined_filters: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { description: "Names of DAG(user_defined_filters=...): functions of the DAG file, called in its Python process; absent when not given" }),
    ),
    is_paused_upon_creation: Type.Union([Type.Boolean(), Type.Null()]),
    access_control: Type.Optional(AccessControlSchema),
    tasks: Type.Array(TaskSchema),
    task_groups: Type.Array(TaskGroupSchema),
    edge_labels: Type.Optional(Type.Array(EdgeLabelSchema, { description: 'Labels of edges (Label() between tasks); absent when there are none' })),
    source: SourceLocationSchema,
    parse_env: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description: 'Variables of the parse environment (SKYDAG_PARSE_ENV) the file read, with their values; absent when it read none',
      }),
    ),
    parse_variables: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 250 }), {
        maxItems: 50,
        description: "Keys of the Airflow Variables the file read with Variable.get while it was read (no values); a change of one reads the file again. Absent when it read none",
      }),
    ),
    parse_files: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        maxItems: 1000,
        description: "Files of the DAGs folder the file read while it was read (config files), relative to the folder; they are in the version's bundle. Absent when it read none",
      }),
    ),
  },
  { $id: 'Dag', additionalProperties: false },
);
export type Dag = Static<typeof DagSchema>;

/** One problem found while reading or validating a DAG file. */
export const DiagnosticSchema = Type.Object(
  {
    file: Type.String(),
    line: Type.Integer({ minimum: 1 }),
    col: Type.Integer({ minimum: 1 }),
    message: Type.String(),
    code: Type.String({ description: 'Stable code, e.g. SKYDAG-V001' }),
    severity: Type.Union([Type.Literal('error'), Type.Literal('warning')]),
    dag_id: Type.Optional(Type.String()),
    task_id: Type.Optional(Type.String()),
    hint: Type.Optional(Type.String()),
  },
  { $id: 'Diagnostic', additionalProperties: false },
);
export type Diagnostic = Static<typeof DiagnosticSchema>;
