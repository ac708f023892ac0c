"""airflow.models.expandinput: what a mapped task group's function gets for each mapped parameter."""


class MappedArgument:
    """
    A parameter of a mapped ``@task_group`` function (``group_fn.expand(x=[...])``): passed to the
    group's tasks, it takes each map index's own value. skydag resolves it per index before the task
    runs (the task's arguments arrive resolved), so it has no value while the DAG file is read.
    """

    def __init__(self, key, input=None):
        self._key = key
        self._input = input

    def iter_references(self):
        return iter(())

    def resolve(self, context, session=None):
        raise RuntimeError("MappedArgument %r is resolved by skydag per map index before the task runs" % self._key)

    def __repr__(self):
        return "MappedArgument(%r)" % self._key


class DictOfListsExpandInput(dict):
    """``expand(**kwargs)``'s input (name → list)."""


class ListOfDictsExpandInput(list):
    """``expand_kwargs(list_of_dicts)``'s input."""
