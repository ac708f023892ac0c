/**
 * Modules of Airflow's own that DAG files import for their code (not only names), read by the reader
 * like a local module: their text is the shim's file of the same name (shared/python/airflow/...),
 * which tasks import when they run; a test holds the two equal.
 */
export const SHIM_MODULE_SOURCES: Readonly<Record<string, { file: string; source: string }>> = {
  'airflow.example_dags': { file: 'airflow/example_dags/__init__.py', source: "\"\"\"Airflow's example DAG helpers that DAG files import (skydag's implementation).\"\"\"\n" },
  'airflow.example_dags.subdags': { file: 'airflow/example_dags/subdags/__init__.py', source: "\"\"\"Airflow's example DAG helpers that DAG files import (skydag's implementation).\"\"\"\n" },
  'airflow.example_dags.subdags.subdag': {
    file: 'airflow/example_dags/subdags/subdag.py',
    source: "\"\"\"\n``airflow.example_dags.subdags.subdag`` as Airflow 2.10 ships it for its SubDagOperator example:\n``subdag(parent_dag_name, child_dag_name, args)`` returns the DAG ``<parent>.<child>`` (the given\ndefault_args, start 2021-01-01 UTC, no catchup, daily) with five empty tasks\n``<child>-task-1`` .. ``<child>-task-5``. skydag's reader evaluates this file too\n(shared/frontends/python/shim-modules.ts holds the same text), so the sub-DAG is known statically.\n\"\"\"\nimport pendulum\n\nfrom airflow.models.dag import DAG\nfrom airflow.operators.empty import EmptyOperator\n\nTASKS_PER_SECTION = 5\n\n\ndef subdag(parent_dag_name, child_dag_name, args):\n    section = DAG(\n        dag_id=parent_dag_name + \".\" + child_dag_name,\n        default_args=args,\n        start_date=pendulum.datetime(2021, 1, 1, tz=\"UTC\"),\n        catchup=False,\n        schedule=\"@daily\",\n    )\n    for number in range(1, TASKS_PER_SECTION + 1):\n        EmptyOperator(task_id=\"%s-task-%d\" % (child_dag_name, number), default_args=args, dag=section)\n    return section\n",
  },
};
