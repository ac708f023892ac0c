"""
Airflow's ``BaseNotifier``: a callback object. Called with the callback's context (or, as an SLA miss
callback, with Airflow's five positional arguments), it renders its ``template_fields`` with that
context through skydag's renderer and calls ``notify(context)``; an error while sending is logged,
not raised (Airflow's behaviour: a notification never changes a task's state).
"""
import logging
from abc import abstractmethod

from airflow.template.templater import Templater


class BaseNotifier(Templater):
    template_fields = ()
    template_ext = ()

    def __init__(self):
        super().__init__()
        self.resolve_template_files()

    @property
    def log(self):
        return logging.getLogger("airflow.task")

    def _update_context(self, context):
        # The notifier's fields are in the context its templates see (Airflow's context_merge).
        for name in self.template_fields:
            context[name] = getattr(self, name, None)
        return context

    @abstractmethod
    def notify(self, context):
        """Sends the notification."""

    def __call__(self, *args):
        if len(args) == 1:
            context = args[0]
        else:
            # sla_miss_callback(dag, task_list, blocking_task_list, slas, blocking_tis)
            names = ("dag", "task_list", "blocking_task_list", "slas", "blocking_tis")
            context = dict(zip(names, args))
        self._update_context(context)
        self.render_template_fields(context)
        try:
            self.notify(context)
        except Exception as err:
            self.log.exception("Failed to send notification: %s", err)
