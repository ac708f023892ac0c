"""DependencyMixin (Airflow's airflow.models.taskmixin): anything that can stand on either side of
``>>`` and ``<<`` — operators, XComArgs, task groups and edge labels share these operators."""


class DependencyMixin:
    @property
    def roots(self):
        raise NotImplementedError

    @property
    def leaves(self):
        raise NotImplementedError

    def set_upstream(self, other, edge_modifier=None):
        from airflow.models.baseoperator import link  # baseoperator imports this module

        link(other, self, edge_modifier)

    def set_downstream(self, other, edge_modifier=None):
        from airflow.models.baseoperator import link

        link(self, other, edge_modifier)

    def __rshift__(self, other):
        self.set_downstream(other)
        return other

    def __lshift__(self, other):
        self.set_upstream(other)
        return other

    def __rrshift__(self, other):
        self.set_upstream(other)
        return self

    def __rlshift__(self, other):
        self.set_downstream(other)
        return self

    def update_relative(self, other, upstream=True, edge_modifier=None):
        pass
