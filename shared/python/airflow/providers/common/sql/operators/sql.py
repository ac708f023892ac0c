"""
SQLExecuteQueryOperator (apache-airflow-providers-common-sql 1.x): runs ``sql`` (a string, a list
of statements, or a ``.sql`` template file) on the database of ``conn_id`` through the hook for the
connection's type; with ``do_xcom_push`` the rows of the last statement (or of each, with
``return_last=False``) are the XCom, as lists.
"""
from __future__ import annotations

from airflow.exceptions import AirflowException
from airflow.hooks.base import BaseHook
from airflow.models.baseoperator import BaseOperator
from airflow.models.skipmixin import BranchMixIn
from airflow.providers.common.sql.hooks.sql import fetch_all_handler, return_single_query_results

# The hooks skydag implements, by connection type.
_HOOKS = {
    "sqlite": ("airflow.providers.sqlite.hooks.sqlite", "SqliteHook"),
    "postgres": ("airflow.providers.postgres.hooks.postgres", "PostgresHook"),
    "postgresql": ("airflow.providers.postgres.hooks.postgres", "PostgresHook"),
}


def hook_for_connection(conn_id, hook_params=None):
    import importlib

    conn = BaseHook.get_connection(conn_id)
    target = _HOOKS.get((conn.conn_type or "").lower())
    if target is None:
        raise AirflowException(
            "skydag runs SQL on sqlite and postgres connections; connection %r has type %r "
            "(run the SQL from a PythonOperator with that database's client instead)" % (conn_id, conn.conn_type))
    module, name = target
    cls = getattr(importlib.import_module(module), name)
    return cls(**{cls.conn_name_attr: conn_id}, **(hook_params or {}))


class BaseSQLOperator(BaseOperator):
    template_fields = ("conn_id", "database", "hook_params")

    def __init__(self, *, conn_id=None, database=None, hook_params=None, retry_on_failure=True, **kwargs):
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.database = database
        self.hook_params = hook_params or {}
        self.retry_on_failure = retry_on_failure

    def get_db_hook(self):
        if not self.conn_id:
            raise AirflowException("%s %r: conn_id is required" % (type(self).__name__, self.task_id))
        params = dict(self.hook_params)
        if self.database:
            params.setdefault("schema", self.database)
        return hook_for_connection(self.conn_id, params)


def _listify(value):
    """Rows as lists (XCom stores JSON; Airflow's serializer also turns tuples into lists)."""
    if isinstance(value, (list, tuple)):
        return [_listify(v) for v in value]
    return value


class SQLExecuteQueryOperator(BaseSQLOperator):
    template_fields = ("sql", "parameters") + BaseSQLOperator.template_fields
    template_ext = (".sql", ".json")
    template_fields_renderers = {"sql": "sql", "parameters": "json"}
    ui_color = "#cdaaed"

    def __init__(self, *, sql, autocommit=False, parameters=None, handler=fetch_all_handler, output_processor=None,
                 conn_id=None, database=None, split_statements=None, return_last=True,
                 show_return_value_in_logs=False, **kwargs):
        super().__init__(conn_id=conn_id, database=database, **kwargs)
        self.sql = sql
        self.autocommit = autocommit
        self.parameters = parameters
        self.handler = handler
        self._output_processor = output_processor or (lambda results, descriptions: (descriptions, results))
        self.split_statements = split_statements
        self.return_last = return_last
        self.show_return_value_in_logs = show_return_value_in_logs

    def execute(self, context):
        self.log.info("Executing: %s", self.sql)
        hook = self.get_db_hook()
        split = self.split_statements if self.split_statements is not None else False
        output = hook.run(
            sql=self.sql,
            autocommit=self.autocommit,
            parameters=self.parameters,
            handler=self.handler if self.do_xcom_push else None,
            return_last=self.return_last,
            split_statements=split,
        )
        if not self.do_xcom_push:
            return None
        if return_single_query_results(self.sql, self.return_last, split):
            _, result = self._output_processor([output], [hook.descriptions[-1]] if hook.descriptions else [None])
            result = result[-1]
        else:
            _, result = self._output_processor(output, hook.descriptions)
        if self.show_return_value_in_logs:
            self.log.info("Operator output is: %s", result)
        return _listify(result)


# ---------------------------------------------------------------------------------------------
# Check operators (common-sql 1.x): a query's result tested; a failed test fails the task
# (AirflowException, retried per policy; AirflowFailException with retry_on_failure=False).

def _convert_to_float_if_possible(value):
    try:
        return float(value)
    except (ValueError, TypeError):
        return value


def _where(operator_clause, check):
    """The WHERE clause of one table/column check: the operator's partition_clause and the check's own, ANDed."""
    clauses = [c for c in (operator_clause, check.get("partition_clause")) if c]
    return "WHERE %s" % " AND ".join(clauses) if clauses else ""


def _parse_boolean(value):
    value = value.lower()
    if value in ("y", "yes", "t", "true", "on", "1"):
        return True
    if value in ("n", "no", "f", "false", "off", "0"):
        return False
    raise ValueError("%r is not a boolean-like string value" % value)


class _CheckMixin:
    def _raise_exception(self, message):
        from airflow.exceptions import AirflowFailException

        if self.retry_on_failure:
            raise AirflowException(message)
        raise AirflowFailException(message)


class SQLCheckOperator(_CheckMixin, BaseSQLOperator):
    """Fails unless the query's first row exists and every value in it is truthy."""

    template_fields = ("sql", "parameters") + BaseSQLOperator.template_fields
    template_ext = (".hql", ".sql")
    template_fields_renderers = {"sql": "sql", "parameters": "json"}
    ui_color = "#fff7e6"

    def __init__(self, *, sql, conn_id=None, database=None, parameters=None, **kwargs):
        super().__init__(conn_id=conn_id, database=database, **kwargs)
        self.sql = sql
        self.parameters = parameters

    def execute(self, context):
        self.log.info("Executing SQL check: %s", self.sql)
        records = self.get_db_hook().get_first(self.sql, self.parameters)
        self.log.info("Record: %s", records)
        if not records:
            self._raise_exception("The following query returned zero rows: %s" % self.sql)
        elif not all(records):
            self._raise_exception("Test failed.\nQuery:\n%s\nResults:\n%s" % (self.sql, records))
        self.log.info("Success.")


class SQLValueCheckOperator(_CheckMixin, BaseSQLOperator):
    """Fails unless every value of the query's first row equals ``pass_value`` (within ``tolerance``, a ratio)."""

    template_fields = ("sql", "pass_value") + BaseSQLOperator.template_fields
    template_ext = (".hql", ".sql")
    template_fields_renderers = {"sql": "sql"}
    ui_color = "#fff7e6"

    def __init__(self, *, sql, pass_value, tolerance=None, conn_id=None, database=None, **kwargs):
        super().__init__(conn_id=conn_id, database=database, **kwargs)
        self.sql = sql
        self.pass_value = str(pass_value)
        tol = _convert_to_float_if_possible(tolerance)
        self.tol = tol if isinstance(tol, float) else None
        self.has_tolerance = self.tol is not None

    def execute(self, context=None):
        self.log.info("Executing SQL check: %s", self.sql)
        records = self.get_db_hook().get_first(self.sql)
        self.check_value(records)

    def check_value(self, records):
        if not records:
            self._raise_exception("The following query returned zero rows: %s" % self.sql)
        pass_value_conv = _convert_to_float_if_possible(self.pass_value)
        is_numeric_value_check = isinstance(pass_value_conv, float)
        error_msg = "Test failed.\nPass value:%s\nTolerance:%s\nQuery:\n%s\nResults:\n%s" % (
            pass_value_conv, ("%.1f%%" % (self.tol * 100)) if self.tol is not None else None, self.sql, records)
        if not is_numeric_value_check:
            tests = [str(record) == pass_value_conv for record in records]
        else:
            try:
                numeric_records = [float(record) for record in records]
            except (ValueError, TypeError):
                raise AirflowException("Converting a result to float failed.\n%s" % error_msg)
            if self.has_tolerance:
                tests = [pass_value_conv * (1 - self.tol) <= r <= pass_value_conv * (1 + self.tol) for r in numeric_records]
            else:
                tests = [r == pass_value_conv for r in numeric_records]
        if not all(tests):
            self._raise_exception(error_msg)


class SQLIntervalCheckOperator(_CheckMixin, BaseSQLOperator):
    """
    Compares metrics of ``table`` at the run's ``ds`` with ``days_back`` days before: fails when a
    metric's ratio (``max_over_min`` or ``relative_diff``) reaches its threshold.
    """

    template_fields = ("sql1", "sql2") + BaseSQLOperator.template_fields
    template_ext = (".hql", ".sql")
    template_fields_renderers = {"sql1": "sql", "sql2": "sql"}
    ui_color = "#fff7e6"

    ratio_formulas = {
        "max_over_min": lambda cur, ref: float(max(cur, ref)) / min(cur, ref),
        "relative_diff": lambda cur, ref: float(abs(cur - ref)) / ref,
    }

    def __init__(self, *, table, metrics_thresholds, date_filter_column="ds", days_back=-7, ratio_formula="max_over_min",
                 ignore_zero=True, conn_id=None, database=None, **kwargs):
        super().__init__(conn_id=conn_id, database=database, **kwargs)
        if ratio_formula not in self.ratio_formulas:
            raise AirflowException("Invalid diff_method: %s. Supported diff methods are: %s" % (ratio_formula, list(self.ratio_formulas)))
        self.ratio_formula = ratio_formula
        self.ignore_zero = ignore_zero
        self.table = table
        self.metrics_thresholds = metrics_thresholds
        self.metrics_sorted = sorted(metrics_thresholds.keys())
        self.date_filter_column = date_filter_column
        self.days_back = -abs(days_back)
        sqlexp = ", ".join(self.metrics_sorted)
        sqlt = "SELECT %s FROM %s WHERE %s=" % (sqlexp, table, date_filter_column)
        self.sql1 = sqlt + "'{{ ds }}'"
        self.sql2 = sqlt + "'{{ macros.ds_add(ds, %d) }}'" % self.days_back

    def execute(self, context=None):
        hook = self.get_db_hook()
        self.log.info("Using ratio formula: %s", self.ratio_formula)
        self.log.info("Executing SQL check: %s", self.sql2)
        row2 = hook.get_first(self.sql2)
        self.log.info("Executing SQL check: %s", self.sql1)
        row1 = hook.get_first(self.sql1)
        if not row2:
            self._raise_exception("The following query returned zero rows: %s" % self.sql2)
        if not row1:
            self._raise_exception("The following query returned zero rows: %s" % self.sql1)
        current = dict(zip(self.metrics_sorted, row1))
        reference = dict(zip(self.metrics_sorted, row2))
        ratios = {}
        test_results = {}
        for metric in self.metrics_sorted:
            cur, ref, threshold = current[metric], reference[metric], self.metrics_thresholds[metric]
            if cur == 0 or ref == 0:
                ratios[metric] = None
                test_results[metric] = self.ignore_zero
            else:
                ratios[metric] = self.ratio_formulas[self.ratio_formula](cur, ref)
                test_results[metric] = ratios[metric] < threshold
            self.log.info("Current metric for %s: %s\nPast metric for %s: %s\nRatio for %s: %s\nThreshold: %s\n",
                          metric, cur, metric, ref, metric, ratios[metric], threshold)
        if not all(test_results.values()):
            failed = [metric for metric, passed in test_results.items() if not passed]
            self.log.warning("The following %s tests out of %s failed:", len(failed), len(self.metrics_sorted))
            for metric in failed:
                self.log.warning("'%s' check failed. %s is above %s", metric, ratios[metric], self.metrics_thresholds[metric])
            self._raise_exception("The following tests have failed:\n %s" % ", ".join(sorted(failed)))
        self.log.info("All tests have passed")


class SQLThresholdCheckOperator(_CheckMixin, BaseSQLOperator):
    """Fails unless the query's first value is within ``min_threshold``..``max_threshold`` (numbers, or queries giving them)."""

    template_fields = ("sql", "min_threshold", "max_threshold") + BaseSQLOperator.template_fields
    template_ext = (".hql", ".sql")
    template_fields_renderers = {"sql": "sql"}

    def __init__(self, *, sql, min_threshold, max_threshold, conn_id=None, database=None, **kwargs):
        super().__init__(conn_id=conn_id, database=database, **kwargs)
        self.sql = sql
        self.min_threshold = min_threshold
        self.max_threshold = max_threshold

    def execute(self, context=None):
        hook = self.get_db_hook()
        result = hook.get_first(self.sql)
        try:
            result = result[0]
        except (TypeError, IndexError):
            self._raise_exception("The following query returned zero rows: %s" % self.sql)
        min_threshold = _convert_to_float_if_possible(self.min_threshold)
        max_threshold = _convert_to_float_if_possible(self.max_threshold)
        lower_bound = min_threshold if isinstance(min_threshold, float) else hook.get_first(min_threshold)[0]
        upper_bound = max_threshold if isinstance(max_threshold, float) else hook.get_first(max_threshold)[0]
        within = lower_bound <= result <= upper_bound
        self.log.info("Log from %s:\nresult: %s\ntask_id: %s\nmin_threshold: %s\nmax_threshold: %s\nwithin_threshold: %s",
                      self.dag_id, result, self.task_id, lower_bound, upper_bound, within)
        if not within:
            shown = round(result, 2) if result is not None else "<None>"
            self._raise_exception(
                'Threshold Check: "%s" failed.\nDAG: %s\nTask_ID: %s\nCheck description: None\nSQL: %s\n'
                "Result: %s is not within thresholds %s and %s" % (self.task_id, self.dag_id, self.task_id, self.sql, shown, lower_bound, upper_bound))
        self.log.info("Test %s Successful.", self.task_id)


class SQLTableCheckOperator(_CheckMixin, BaseSQLOperator):
    """
    Table-level checks: ``checks`` maps a name to ``{"check_statement": <SQL boolean>, "partition_clause"?: ...}``;
    a check passes when its statement holds for every row (of ``partition_clause``'s rows).
    """

    template_fields = ("partition_clause", "table", "checks") + BaseSQLOperator.template_fields
    template_fields_renderers = {"table": "sql", "partition_clause": "sql", "checks": "json"}

    sql_check_template = """
    SELECT '{check_name}' AS check_name, MIN({check_name}) AS check_result
    FROM (SELECT CASE WHEN {check_statement} THEN 1 ELSE 0 END AS {check_name}
          FROM {table} {partition_clause}) AS sq
    """

    def __init__(self, *, table, checks, partition_clause=None, conn_id=None, database=None, **kwargs):
        super().__init__(conn_id=conn_id, database=database, **kwargs)
        self.table = table
        self.checks = checks
        self.partition_clause = partition_clause
        self.sql = None

    def execute(self, context=None):
        # Built once the fields are rendered (table, checks and partition_clause are templated).
        self.sql = "SELECT check_name, check_result FROM (%s) AS check_table" % self._generate_sql_query()
        records = self.get_db_hook().get_records(self.sql)
        if not records:
            self._raise_exception("The following query returned zero rows: %s" % self.sql)
        self.log.info("Record:\n%s", records)
        for check, result in records:
            self.checks[check]["success"] = _parse_boolean(str(result))
        failed = ["\tCheck: %s,\n\tCheck Values: %s\n" % (check, values) for check, values in self.checks.items() if not values["success"]]
        if failed:
            self._raise_exception("Test failed.\nQuery:\n%s\nResults:\n%s\nThe following tests have failed:\n%s" % (self.sql, records, "".join(failed)))
        self.log.info("All tests have passed")

    def _generate_sql_query(self):
        return " UNION ALL ".join(
            self.sql_check_template.format(check_statement=value["check_statement"], check_name=name, table=self.table,
                                           partition_clause=_where(self.partition_clause, value))
            for name, value in self.checks.items())


class SQLColumnCheckOperator(_CheckMixin, BaseSQLOperator):
    """
    Column-level checks: ``column_mapping`` maps a column to checks (``null_check``, ``distinct_check``,
    ``unique_check``, ``min``, ``max``), each with ``equal_to`` / ``greater_than`` / ``geq_to`` /
    ``less_than`` / ``leq_to`` and optionally ``tolerance`` and ``partition_clause``.
    """

    template_fields = ("partition_clause", "table", "column_mapping") + BaseSQLOperator.template_fields
    template_fields_renderers = {"column_mapping": "json"}

    sql_check_template = """
        SELECT '{column}' AS col_name, '{check}' AS check_type, {column}_{check} AS check_result
        FROM (SELECT {check_statement} AS {column}_{check} FROM {table} {partition_clause}) AS sq
    """
    column_checks = {
        "null_check": "SUM(CASE WHEN {column} IS NULL THEN 1 ELSE 0 END)",
        "distinct_check": "COUNT(DISTINCT({column}))",
        "unique_check": "COUNT({column}) - COUNT(DISTINCT({column}))",
        "min": "MIN({column})",
        "max": "MAX({column})",
    }

    def __init__(self, *, table, column_mapping, partition_clause=None, conn_id=None, database=None, accept_none=True, **kwargs):
        super().__init__(conn_id=conn_id, database=database, **kwargs)
        self.table = table
        self.column_mapping = column_mapping
        self.partition_clause = partition_clause
        self.accept_none = accept_none
        for checks in column_mapping.values():
            for check, check_values in checks.items():
                self._column_mapping_validation(check, check_values)
        self.sql = None

    def execute(self, context=None):
        # Built once the fields are rendered (table, column_mapping and partition_clause are templated).
        checks_sql = "UNION ALL".join(self._generate_sql_query(column, checks) for column, checks in self.column_mapping.items())
        self.sql = "SELECT col_name, check_type, check_result FROM (%s) AS check_columns" % checks_sql
        records = self.get_db_hook().get_records(self.sql)
        if not records:
            self._raise_exception("The following query returned zero rows: %s" % self.sql)
        self.log.info("Record: %s", records)
        for column, check, result in records:
            values = self.column_mapping[column][check]
            values["result"] = result
            values["success"] = self._get_match(values, result, values.get("tolerance"))
        failed = [
            "Column: %s\n\tCheck: %s,\n\tCheck Values: %s\n" % (column, check, values)
            for column, checks in self.column_mapping.items()
            for check, values in checks.items()
            if not values["success"]
        ]
        if failed:
            self._raise_exception("Test failed.\nResults:\n%s\nThe following tests have failed:\n%s" % (records, "".join(failed)))
        self.log.info("All tests have passed")

    def _generate_sql_query(self, column, checks):
        return "UNION ALL".join(
            self.sql_check_template.format(check_statement=self.column_checks[check].format(column=column), check=check, table=self.table,
                                           column=column, partition_clause=_where(self.partition_clause, checks[check]))
            for check in checks)

    def _get_match(self, check_values, record, tolerance=None):
        if record is None and self.accept_none:
            record = 0
        match = True
        if "geq_to" in check_values:
            match = record >= check_values["geq_to"] * (1 - tolerance) if tolerance is not None else record >= check_values["geq_to"]
        elif "greater_than" in check_values:
            match = record > check_values["greater_than"] * (1 - tolerance) if tolerance is not None else record > check_values["greater_than"]
        if "leq_to" in check_values:
            limit = check_values["leq_to"] * (1 + tolerance) if tolerance is not None else check_values["leq_to"]
            match = record <= limit and match
        elif "less_than" in check_values:
            limit = check_values["less_than"] * (1 + tolerance) if tolerance is not None else check_values["less_than"]
            match = record < limit and match
        if "equal_to" in check_values:
            if tolerance is not None:
                match = check_values["equal_to"] * (1 - tolerance) <= record <= check_values["equal_to"] * (1 + tolerance) and match
            else:
                match = record == check_values["equal_to"] and match
        return match

    def _column_mapping_validation(self, check, check_values):
        if check not in self.column_checks:
            raise AirflowException("Invalid column check: %s." % check)
        if not any(k in check_values for k in ("greater_than", "geq_to", "less_than", "leq_to", "equal_to")):
            raise ValueError("Please provide one or more of: less_than, leq_to, greater_than, geq_to, or equal_to in the check's dict.")
        if "greater_than" in check_values and "less_than" in check_values and check_values["greater_than"] >= check_values["less_than"]:
            raise ValueError("greater_than should be strictly less than less_than. Use geq_to or leq_to for overlapping equality.")
        if "greater_than" in check_values and "leq_to" in check_values and check_values["greater_than"] >= check_values["leq_to"]:
            raise ValueError("greater_than must be strictly less than leq_to. Use geq_to with leq_to for overlapping equality.")
        if "geq_to" in check_values and "less_than" in check_values and check_values["geq_to"] >= check_values["less_than"]:
            raise ValueError("geq_to should be strictly less than less_than. Use leq_to with geq_to for overlapping equality.")


class BranchSQLOperator(BaseSQLOperator, BranchMixIn):
    """Follows ``follow_task_ids_if_true`` when the query's first value is true (a bool, an int, or a boolean-like string)."""

    template_fields = ("sql",) + BaseSQLOperator.template_fields
    template_ext = (".sql",)
    template_fields_renderers = {"sql": "sql"}
    ui_color = "#a22034"
    ui_fgcolor = "#F7F7F7"

    def __init__(self, *, sql, follow_task_ids_if_true, follow_task_ids_if_false, conn_id="default_conn_id", database=None,
                 parameters=None, **kwargs):
        super().__init__(conn_id=conn_id, database=database, **kwargs)
        self.sql = sql
        self.parameters = parameters
        self.follow_task_ids_if_true = follow_task_ids_if_true
        self.follow_task_ids_if_false = follow_task_ids_if_false

    def execute(self, context):
        self.log.info("Executing: %s (with parameters %s) with connection: %s", self.sql, self.parameters, self.conn_id)
        record = self.get_db_hook().get_first(self.sql, self.parameters)
        if not record:
            raise AirflowException("No rows returned from sql query. Operator expected True or False return value.")
        if isinstance(record, list):
            query_result = record[0][0] if isinstance(record[0], list) else record[0]
        elif isinstance(record, tuple):
            query_result = record[0]
        else:
            query_result = record
        self.log.info("Query returns %s, type '%s'", query_result, type(query_result))
        try:
            if isinstance(query_result, bool):
                chosen = query_result
            elif isinstance(query_result, str):
                chosen = _parse_boolean(query_result)
            elif isinstance(query_result, int):
                chosen = bool(query_result)
            else:
                raise AirflowException("Unexpected query return result '%s' type '%s'" % (query_result, type(query_result)))
        except ValueError:
            raise AirflowException("Unexpected query return result '%s' type '%s'" % (query_result, type(query_result)))
        return self.follow_task_ids_if_true if chosen else self.follow_task_ids_if_false
