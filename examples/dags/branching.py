"""
Branching: pick the ERP system by date (or by `dag_run.conf["erp"]` when triggered with conf),
skip the other path, and join with a trigger rule that tolerates the skipped branch.
A short-circuit at the end only deploys when asked to.
"""
import pendulum

from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import BranchPythonOperator, PythonOperator, ShortCircuitOperator
from airflow.utils.trigger_rule import TriggerRule

ERP_CHANGE_DATE = "2024-03-01"


def _pick_erp_system(ds, dag_run=None, **_):
    requested = (dag_run.conf or {}).get("erp") if dag_run else None
    if requested == "old" or (requested is None and ds < ERP_CHANGE_DATE):
        return "fetch_sales_old"
    return "fetch_sales_new"


def _fetch_sales(system, ds):
    print(f"fetching sales for {ds} from the {system} ERP")
    return {"system": system, "rows": 42}


def _should_deploy(params, dag_run=None, **_):
    conf = dag_run.conf if dag_run and dag_run.conf else {}
    return bool(conf.get("deploy", params["deploy"]))


with DAG(
    dag_id="branching",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1, tz="Europe/Amsterdam"),
    catchup=False,
    params={"deploy": False},
    tags=["example", "branching"],
) as dag:
    start = EmptyOperator(task_id="start")
    pick_erp = BranchPythonOperator(task_id="pick_erp_system", python_callable=_pick_erp_system)
    fetch_old = PythonOperator(task_id="fetch_sales_old", python_callable=_fetch_sales, op_kwargs={"system": "old", "ds": "{{ ds }}"})
    fetch_new = PythonOperator(task_id="fetch_sales_new", python_callable=_fetch_sales, op_kwargs={"system": "new", "ds": "{{ ds }}"})
    fetch_weather = EmptyOperator(task_id="fetch_weather")
    join = EmptyOperator(task_id="join_datasets", trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
    train = EmptyOperator(task_id="train_model")
    should_deploy = ShortCircuitOperator(task_id="should_deploy", python_callable=_should_deploy)
    deploy = EmptyOperator(task_id="deploy_model")

    start >> [pick_erp, fetch_weather]
    pick_erp >> [fetch_old, fetch_new]
    [fetch_old, fetch_new, fetch_weather] >> join >> train >> should_deploy >> deploy
