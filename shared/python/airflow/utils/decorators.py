from airflow.models.baseoperator import apply_defaults  # noqa: F401
