"""Skipping is decided by skydag from the operator's result; these only normalise what was returned."""
from airflow.exceptions import AirflowException


class SkipMixin:
    def skip(self, dag_run, execution_date, tasks, session=None, map_index=-1):
        pass

    def skip_all_except(self, ti, branch_task_ids):
        pass


class BranchMixIn(SkipMixin):
    _skydag_branching = True

    def do_branch(self, context, branches_to_execute):
        return branches_to_execute


def normalise_branches(value):
    """A branch result as a list of ids (None → None): str, or an iterable of str."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple, set, frozenset)):
        out = []
        for item in value:
            if not isinstance(item, str):
                raise AirflowException(
                    "Branch callable must return a task_id or a list of task_ids; the list holds %r (%s)"
                    % (item, type(item).__name__)
                )
            out.append(item)
        return out
    raise AirflowException(
        "Branch callable must return a task_id (str), a list of task_ids, or None; got %r (%s)"
        % (value, type(value).__name__)
    )
