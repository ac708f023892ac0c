"""XCom: class-level access (``XCom.get_one``) for code that does not hold a TaskInstance."""
from airflow import _skydag

XCOM_RETURN_KEY = "return_value"


class BaseXCom:
    @classmethod
    def get_one(cls, execution_date=None, key=None, task_id=None, dag_id=None, include_prior_dates=False,
                session=None, run_id=None, map_index=None):
        return _skydag.call("xcom_pull", task_ids=task_id, key=key or XCOM_RETURN_KEY, dag_id=dag_id)

    @classmethod
    def set(cls, key, value, task_id=None, dag_id=None, execution_date=None, session=None, run_id=None, map_index=-1):
        ctx = _skydag.current_context or {}
        ti = ctx.get("ti")
        if ti is None or (task_id is not None and task_id != ti.task_id):
            from airflow.exceptions import SkydagShimError

            raise SkydagShimError("XCom.set() can only push for the running task in skydag")
        ti.xcom_push(key=key, value=value)

    @staticmethod
    def serialize_value(value, **kwargs):
        import json

        return json.dumps(_skydag.to_json_value(value)).encode("utf-8")

    @staticmethod
    def deserialize_value(result):
        import json

        return json.loads(result.value if hasattr(result, "value") else result)


XCom = BaseXCom
