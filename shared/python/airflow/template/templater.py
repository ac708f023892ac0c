"""
Rendering an object's ``template_fields`` the way Airflow 2's ``Templater`` does, with skydag's
renderer: the task runner sends every template string it finds to the orchestrator in one call,
which renders them with the same Jinja engine, Airflow context, template files (``template_ext``,
the DAG folder and ``template_searchpath``) and errors as the fields of skydag's own operators.

Per field (``_do_render_template_fields``): a missing attribute is an ``AttributeError``; a falsy
value is left alone; strings are rendered (a string ending in one of ``template_ext`` names a
template file); XComArgs and DagParams are resolved; ``LiteralValue`` is unwrapped, not rendered;
tuples (named ones too), lists, dict values and sets are rendered element by element; any other
object with ``template_fields`` of its own has those rendered in place; other values are kept.
"""
from airflow import _skydag
from airflow.exceptions import AirflowException


class LiteralValue:
    """A value rendered as it is, without Jinja (``airflow.template.templater.LiteralValue``)."""

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return isinstance(other, LiteralValue) and self.value == other.value

    def __hash__(self):
        return hash(("LiteralValue", repr(self.value)))

    def __repr__(self):
        return "LiteralValue(value=%r)" % (self.value,)


def template_field_names(obj):
    fields = getattr(obj, "template_fields", ()) or ()
    # Airflow wraps a lone string in a list (with a warning) rather than iterating its characters.
    return [fields] if isinstance(fields, str) else list(fields)


def _type_name(obj):
    return getattr(obj, "task_type", None) or type(obj).__name__


def _resolvable(value):
    from airflow.decorators import DagParam
    from airflow.models.xcom_arg import XComArg

    return isinstance(value, (XComArg, DagParam))


class _Plan:
    """Collects the template strings of a value; builders rebuild it once they are rendered."""

    def __init__(self, context, template_ext):
        self.context = context
        self.template_ext = tuple(template_ext or ())
        self.templates = []
        self.seen = set()

    def fields(self, parent, names, prefix=""):
        """Appliers that set each rendered field of ``parent``."""
        appliers = []
        for name in names:
            try:
                value = getattr(parent, name)
            except AttributeError:
                raise AttributeError(
                    "%r is configured as a template field but %s does not have this attribute." % (name, _type_name(parent))
                )
            try:
                if not value:
                    continue
            except Exception:
                pass  # e.g. a DataFrame has no truth value: it is still rendered
            build = self.value(value, prefix + name)
            appliers.append(lambda rendered, name=name, build=build: setattr(parent, name, build(rendered)))
        return appliers

    def value(self, value, path):
        """A function giving the rendered ``value`` from the rendered template strings."""
        if id(value) in self.seen:
            return lambda rendered: value
        if isinstance(value, str):
            index = len(self.templates)
            self.templates.append({"field": path, "template": value})
            return lambda rendered: rendered[index]
        if _resolvable(value):
            resolved = value.resolve(self.context)
            return lambda rendered: resolved
        if isinstance(value, LiteralValue):
            return lambda rendered: value.value
        if value.__class__ is tuple or isinstance(value, list):
            parts = [self.value(v, "%s[%d]" % (path, i)) for i, v in enumerate(value)]
            kind = tuple if value.__class__ is tuple else list
            return lambda rendered: kind(p(rendered) for p in parts)
        if isinstance(value, tuple):  # a named tuple
            parts = [self.value(v, "%s[%d]" % (path, i)) for i, v in enumerate(value)]
            return lambda rendered: value.__class__(*(p(rendered) for p in parts))
        if isinstance(value, dict):
            parts = [(k, self.value(v, "%s.%s" % (path, k))) for k, v in value.items()]
            return lambda rendered: {k: p(rendered) for k, p in parts}
        if isinstance(value, (set, frozenset)):
            parts = [self.value(v, "%s{%d}" % (path, i)) for i, v in enumerate(value)]
            return lambda rendered: {p(rendered) for p in parts}
        # Any other object: its own template_fields, rendered in place (Airflow's nested templating).
        self.seen.add(id(value))
        if not hasattr(value, "template_fields"):
            return lambda rendered: value
        appliers = self.fields(value, template_field_names(value), path + ".")

        def apply(rendered):
            for set_field in appliers:
                set_field(rendered)
            return value

        return apply

    def render(self):
        """Every collected template, rendered by the orchestrator (one call)."""
        if not self.templates:
            return []
        try:
            return _skydag.call("render_templates", templates=self.templates, template_ext=list(self.template_ext))
        except _skydag.RpcUnavailable:
            raise
        except RuntimeError as err:  # the renderer's error (undefined variable, missing template file, ...)
            raise AirflowException("rendering templated fields failed: %s" % str(err).split(" failed: ", 1)[-1]) from None


def render_template_fields(obj, context, template_ext=None):
    """Renders ``obj.template_fields`` in place (``BaseOperator.render_template_fields``)."""
    plan = _Plan(context, getattr(obj, "template_ext", ()) if template_ext is None else template_ext)
    plan.seen.add(id(obj))
    appliers = plan.fields(obj, template_field_names(obj))
    rendered = plan.render()
    for set_field in appliers:
        set_field(rendered)


def render_template(content, context, template_ext=(), field="content"):
    """Renders one value (``BaseOperator.render_template``): strings, collections, nested objects."""
    plan = _Plan(context, template_ext)
    build = plan.value(content, field)
    return build(plan.render())


class Templater:
    """Airflow's mix-in for objects with ``template_fields`` (operators, and nested objects)."""

    template_fields = ()
    template_ext = ()

    def prepare_template(self):
        """Called after template files were read; subclasses may alter the content."""

    def resolve_template_files(self):
        """Template files are read when the fields are rendered (by skydag's renderer)."""
        self.prepare_template()

    def render_template_fields(self, context, jinja_env=None):
        render_template_fields(self, context)

    def render_template(self, content, context, jinja_env=None, seen_oids=None):
        return render_template(content, context, getattr(self, "template_ext", ()))


__all__ = ["LiteralValue", "Templater", "render_template", "render_template_fields", "template_field_names"]
