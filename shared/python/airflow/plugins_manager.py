"""airflow.plugins_manager: the plugin base class DAG folders' plugins derive from (Airflow 2.10)."""


class AirflowPluginException(Exception):
    """A plugin that cannot be loaded (e.g. one without a name)."""


class AirflowPlugin:
    """
    A plugin of the plugins folder. skydag uses its ``macros`` (``{{ macros.<name>.<function>() }}`` in
    templates); the other parts (UI views, listeners, timetables, ...) are accepted and not used.
    """

    name = None
    source = None
    hooks = []
    executors = []
    macros = []
    admin_views = []
    flask_blueprints = []
    menu_links = []
    appbuilder_views = []
    appbuilder_menu_items = []
    global_operator_extra_links = []
    operator_extra_links = []
    timetables = []
    listeners = []
    priority_weight_strategies = []

    @classmethod
    def validate(cls):
        if not cls.name:
            raise AirflowPluginException("Your plugin needs a name.")

    @classmethod
    def on_load(cls, *args, **kwargs):
        pass


__all__ = ["AirflowPlugin", "AirflowPluginException"]
