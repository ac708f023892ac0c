"""
``python3 -m skydag_runner --inventory DAGS_FOLDER FILE [FILE...]``: the DAGs, tasks and edges each
file builds at run time under the shim, as JSON ``{"<file>": {"dags": {...}} | {"error": ...}}``.
Used to check that the shim builds what the static front-end read.
"""
import json
import sys
import traceback

from airflow import _skydag
from airflow.models.dag import DagContext
from airflow.utils.task_group import TaskGroupContext
from skydag_runner import loader


def inventory(path):
    del _skydag.DAGS[:]
    del DagContext._stack[:]
    del TaskGroupContext._stack[:]
    try:
        loaded = loader.load_dag_file(path)
    except BaseException as err:
        return {"error": "%s: %s" % (type(err).__name__, err), "traceback": traceback.format_exc()}
    dags = {}
    for dag in loader.registered_dags(loaded):
        tasks = {}
        edges = []
        for task in dag.tasks:
            tasks[task.task_id] = getattr(task, "custom_operator_name", None) or type(task).__name__
            for down in sorted(task.downstream_task_ids):
                edges.append([task.task_id, down])
        dags[dag.dag_id] = {"tasks": tasks, "edges": sorted(edges)}
    return {"dags": dags}


def main(paths):
    out = {path: inventory(path) for path in paths}
    sys.stdout.write(json.dumps(out) + "\n")
    return 0
