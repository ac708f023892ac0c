from airflow.operators.empty import EmptyOperator


class DummyOperator(EmptyOperator):
    """Airflow 1.10/2.x name of EmptyOperator."""
