"""
A DAG's custom timetable asked by skydag's scheduler (the runner's ``timetable`` mode): the DAG file
builds its timetable object, as when Airflow parses it, and the call is made with Airflow's
arguments — ``next_dagrun_info(last_automated_data_interval=DataInterval | None,
restriction=TimeRestriction)`` or ``infer_manual_data_interval(run_after=...)`` — datetimes as
pendulum DateTimes in UTC. The answer's datetimes go back as UTC ISO-8601 strings (a naive one is
taken as UTC).
"""
import datetime as _dt

from airflow.timetables.base import DataInterval, TimeRestriction


def timetable_of(dag):
    """The DAG's timetable object: ``schedule=`` / ``timetable=`` (or a DatasetOrTimeSchedule's timetable)."""
    extra = getattr(dag, "_skydag_extra", None) or {}
    schedule = extra.get("timetable") or getattr(dag, "schedule_interval", None)
    inner = getattr(schedule, "timetable", None)
    if not callable(getattr(schedule, "next_dagrun_info", None)) and inner is not None:
        schedule = inner
    if not callable(getattr(schedule, "next_dagrun_info", None)):
        raise TypeError("DAG %s is not scheduled by a timetable object (schedule=%r)" % (dag.dag_id, schedule))
    return schedule


def _instant(text):
    if text is None:
        return None
    import pendulum  # the real package, else skydag's stand-in (on sys.path once a DAG file loads)

    value = _dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(_dt.timezone.utc)
    return pendulum.instance(value)


def _iso(value, what):
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        raise TypeError("%s must be a datetime, not a date (%r)" % (what, value))
    if not isinstance(value, _dt.datetime):
        raise TypeError("%s must be a datetime, not %s" % (what, type(value).__name__))
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    return value.astimezone(_dt.timezone.utc).isoformat()


def _interval(value, what):
    start, end = getattr(value, "start", None), getattr(value, "end", None)
    if start is None or end is None:
        raise TypeError("%s must be a DataInterval, not %s" % (what, type(value).__name__))
    return {"start": _iso(start, what + ".start"), "end": _iso(end, what + ".end")}


def answer(dag, call):
    timetable = timetable_of(dag)
    name = type(timetable).__name__
    op = call.get("op")
    if op == "next_dagrun_info":
        last = call.get("last")
        restriction = call.get("restriction") or {}
        info = timetable.next_dagrun_info(
            last_automated_data_interval=DataInterval(_instant(last["start"]), _instant(last["end"])) if last else None,
            restriction=TimeRestriction(_instant(restriction.get("earliest")), _instant(restriction.get("latest")), bool(restriction.get("catchup", True))),
        )
        if info is None:
            return None
        what = "%s.next_dagrun_info()" % name
        interval = _interval(getattr(info, "data_interval", None), what + ".data_interval")
        return dict(interval, run_after=_iso(getattr(info, "run_after", None), what + ".run_after"),
                    logical_date=_iso(getattr(info, "logical_date", None) or getattr(info.data_interval, "start"), what + ".logical_date"))
    if op == "infer_manual_data_interval":
        return _interval(timetable.infer_manual_data_interval(run_after=_instant(call["run_after"])), "%s.infer_manual_data_interval()" % name)
    raise ValueError("unknown timetable call %r" % op)
