/**
 * The DAG model's plain constants (schema.ts builds its JSON schema from them and re-exports them).
 * Kept apart from the TypeBox definitions so the modules that need only these (the validator, the
 * compiler, the runtime, the API's permissions) do not load TypeBox's two hundred modules.
 */

export const DAG_MODEL_SCHEMA_VERSION = 1;

/** Airflow's trigger rules, with Airflow's literal values (older aliases are normalised by the front-ends). */
export const TriggerRule = {
  ALL_SUCCESS: 'all_success',
  ALL_FAILED: 'all_failed',
  ALL_DONE: 'all_done',
  ALL_SKIPPED: 'all_skipped',
  ONE_SUCCESS: 'one_success',
  ONE_FAILED: 'one_failed',
  ONE_DONE: 'one_done',
  NONE_FAILED: 'none_failed',
  NONE_FAILED_MIN_ONE_SUCCESS: 'none_failed_min_one_success',
  NONE_SKIPPED: 'none_skipped',
  ALWAYS: 'always',
  /** A teardown's rule (set by `as_teardown()` / `@teardown`): every upstream task done and at least one upstream setup succeeded. */
  ALL_DONE_SETUP_SUCCESS: 'all_done_setup_success',
} as const;
export type TriggerRule = (typeof TriggerRule)[keyof typeof TriggerRule];
export const TRIGGER_RULES: readonly TriggerRule[] = Object.values(TriggerRule);
/** Names Airflow accepted in earlier versions, mapped to today's rule. */
export const TRIGGER_RULE_ALIASES: Readonly<Record<string, TriggerRule>> = {
  dummy: 'always',
  none_failed_or_skipped: 'none_failed_min_one_success',
};

/** Airflow's DAG-level actions: what `access_control` and a role's `DAG:<dag_id>` resources grant. */
/** Airflow's weight rules (airflow.utils.weight_rule.WeightRule), by member name. */
export const WeightRule = { DOWNSTREAM: 'downstream', UPSTREAM: 'upstream', ABSOLUTE: 'absolute' } as const;
export const WEIGHT_RULES: ReadonlySet<string> = new Set(Object.values(WeightRule));

export const DAG_ACTIONS = ['can_read', 'can_edit', 'can_delete'] as const;
export type DagAction = (typeof DAG_ACTIONS)[number];

/**
 * What a role name may be (Airflow's FAB allows 64 characters): letters, digits, `_ . @ + -`, single
 * spaces between words. Shared by DAG files' access_control and the roles API.
 */
export const ROLE_NAME_PATTERN = /^[A-Za-z0-9_.@+-]+(?: [A-Za-z0-9_.@+-]+)*$/;
export const ROLE_NAME_MAX_LENGTH = 64;
