"""Edge labels: ``a >> Label("why") >> b`` is the edge a >> b (the label itself is only for the UI)."""
from airflow.models.taskmixin import DependencyMixin


class EdgeModifier(DependencyMixin):
    def __init__(self, label=None):
        self.label = label
        self._upstream = []
        self._downstream = []

    def add_upstream(self, node):
        from airflow.models.baseoperator import link

        self._upstream.append(node)
        for down in self._downstream:
            link(node, down)

    def add_downstream(self, node):
        from airflow.models.baseoperator import link

        self._downstream.append(node)
        for up in self._upstream:
            link(up, node)

    @property
    def roots(self):
        return []

    @property
    def leaves(self):
        return []

    def set_upstream(self, other, edge_modifier=None):
        for node in other if isinstance(other, (list, tuple)) else [other]:
            self.add_upstream(node)

    def set_downstream(self, other, edge_modifier=None):
        for node in other if isinstance(other, (list, tuple)) else [other]:
            self.add_downstream(node)


def Label(label):
    return EdgeModifier(label)
