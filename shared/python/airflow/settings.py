"""airflow.settings: the values DAG files sometimes read."""
import os

DAGS_FOLDER = os.environ.get("SKYDAG_DAGS_FOLDER", os.getcwd())
AIRFLOW_HOME = os.environ.get("AIRFLOW_HOME", os.path.expanduser("~/airflow"))
PLUGINS_FOLDER = os.path.join(AIRFLOW_HOME, "plugins")
TIMEZONE = __import__("datetime").timezone.utc
Session = None
