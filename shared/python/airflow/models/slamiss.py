"""SlaMiss: one missed SLA, as a DAG's ``sla_miss_callback`` receives them in ``slas``."""


class SlaMiss:
    """Airflow's ``sla_miss`` row: the task and logical date that missed, when it was recorded, what was sent."""

    def __init__(self, task_id=None, dag_id=None, execution_date=None, email_sent=False, timestamp=None,
                 description=None, notification_sent=False):
        self.task_id = task_id
        self.dag_id = dag_id
        self.execution_date = execution_date
        self.email_sent = email_sent
        self.timestamp = timestamp
        self.description = description
        self.notification_sent = notification_sent

    def __repr__(self):
        return str((self.dag_id, self.task_id, self.execution_date.isoformat()))
