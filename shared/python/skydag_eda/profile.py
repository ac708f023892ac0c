"""Profiles a table for skydag's exploratory data analysis (EDA) and writes a JSON summary.

    python3 profile.py --input data.csv --format csv --level L0 --output summary.json
    SKYDAG_EDA_CONNECTION='{"conn_type": "sqlite", "host": "/data/shop.db"}' \
      python3 profile.py --connection-env SKYDAG_EDA_CONNECTION --table orders --level L0 --output summary.json

L0: row and column counts; per column its type, nulls, distinct count, min/max/mean/std and
quantiles (numbers), the top values and a histogram. L1 adds Pearson correlations between numeric
columns and each column's value distribution (numbers: 20 bins; others: the 20 most frequent values).
The report (HTML) is rendered by skydag from this JSON, so nothing from the data is ever executed.
Databases: sqlite (stdlib) and postgres (psycopg2), read in a read-only session; the connection
(Airflow's fields as JSON) comes in an environment variable, removed once read.
Needs pandas (Debian's python3-pandas; openpyxl for .xlsx).
"""
import argparse
import json
import math
import os
import sys

MAX_TOP = 10
HIST_BINS = 10
DIST_BINS = 20


def _number(value):
    """A JSON-safe float (NaN and infinities become None)."""
    if value is None:
        return None
    f = float(value)
    return None if math.isnan(f) or math.isinf(f) else f


def _text(value):
    return value if isinstance(value, str) else str(value)


def _histogram(series, bins):
    import numpy

    values = series.dropna().astype(float)
    values = values[numpy.isfinite(values)]
    if values.empty:
        return []
    counts, edges = numpy.histogram(values, bins=bins)
    return [{"from": _number(edges[i]), "to": _number(edges[i + 1]), "count": int(counts[i])} for i in range(len(counts))]


def _top(series, n):
    counts = series.dropna().astype(str).value_counts().head(n)
    return [{"value": _text(k), "count": int(v)} for k, v in counts.items()]


def _kind(series):
    import pandas

    if pandas.api.types.is_bool_dtype(series):
        return "boolean"
    if pandas.api.types.is_numeric_dtype(series):
        return "number"
    if pandas.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    return "text"


def profile(frame, level):
    columns = []
    for name in frame.columns:
        series = frame[name]
        kind = _kind(series)
        column = {
            "name": _text(name),
            "type": kind,
            "dtype": str(series.dtype),
            "count": int(series.count()),
            "nulls": int(series.isna().sum()),
            "distinct": int(series.nunique(dropna=True)),
            "top_values": _top(series, MAX_TOP),
        }
        if kind == "number":
            described = series.describe(percentiles=[0.05, 0.25, 0.5, 0.75, 0.95])
            column.update(
                {
                    "min": _number(described.get("min")),
                    "max": _number(described.get("max")),
                    "mean": _number(described.get("mean")),
                    "std": _number(described.get("std")),
                    "quantiles": {k: _number(described.get(k)) for k in ["5%", "25%", "50%", "75%", "95%"]},
                    "histogram": _histogram(series, HIST_BINS),
                }
            )
        elif kind in ("text", "datetime") and column["count"] > 0:
            as_text = series.dropna().astype(str)
            column.update({"min": as_text.min(), "max": as_text.max()})
        if level == "L1":
            column["distribution"] = _histogram(series, DIST_BINS) if kind == "number" else _top(series, DIST_BINS)
        columns.append(column)
    summary = {"level": level, "rows": int(len(frame)), "columns": int(len(frame.columns)), "column_profiles": columns}
    if level == "L1":
        numeric = frame.select_dtypes(include="number")
        corr = numeric.corr(method="pearson") if numeric.shape[1] > 1 else None
        summary["correlations"] = (
            {"columns": [_text(c) for c in corr.columns], "matrix": [[_number(v) for v in row] for row in corr.values.tolist()]}
            if corr is not None
            else {"columns": [], "matrix": []}
        )
    return summary


def read(path, fmt):
    import pandas

    if fmt == "csv":
        return pandas.read_csv(path, low_memory=False)
    if fmt == "tsv":
        return pandas.read_csv(path, sep="\t", low_memory=False)
    if fmt == "xlsx":
        return pandas.read_excel(path)
    raise SystemExit(f"unknown format {fmt!r}: use csv, tsv or xlsx")


def _quote_table(table):
    """`name` or `schema.name` as quoted identifiers (skydag checks the characters when the source is registered)."""
    return ".".join('"%s"' % part.replace('"', '""') for part in table.split("."))


def _open_database(connection):
    kind = (connection.get("conn_type") or "").lower()
    if kind == "sqlite":
        import sqlite3
        from urllib.parse import quote

        path = connection.get("host") or connection.get("schema")
        if not path:
            raise SystemExit("the sqlite connection names no database file (set its host to the file's path)")
        if not os.path.exists(path):
            raise SystemExit(f"the sqlite database {path} does not exist")
        return sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True)
    if kind in ("postgres", "postgresql"):
        try:
            import psycopg2
        except ImportError:
            raise SystemExit("profiling a postgres connection needs psycopg2 in the profiler's Python (Debian's python3-psycopg2)")
        args = {"host": connection.get("host"), "port": connection.get("port"), "user": connection.get("login"),
                "password": connection.get("password"), "dbname": connection.get("schema")}
        for name in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
            if name in (connection.get("extra") or {}):
                args[name] = connection["extra"][name]
        db = psycopg2.connect(**{k: v for k, v in args.items() if v not in (None, "")})
        db.set_session(readonly=True)
        return db
    raise SystemExit(f"connection type {kind!r} cannot be profiled: use sqlite or postgres")


def read_database(connection, table, query):
    import warnings

    import pandas

    db = _open_database(connection)
    try:
        with warnings.catch_warnings():
            # pandas prefers SQLAlchemy for anything but sqlite3; a DB-API connection reads the same.
            warnings.simplefilter("ignore", UserWarning)
            return pandas.read_sql_query(query if query else "SELECT * FROM " + _quote_table(table), db)
    finally:
        db.close()


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input")
    parser.add_argument("--format", choices=["csv", "tsv", "xlsx"])
    parser.add_argument("--connection-env", help="the environment variable holding the connection as JSON")
    parser.add_argument("--table")
    parser.add_argument("--query")
    parser.add_argument("--level", default="L0", choices=["L0", "L1"])
    parser.add_argument("--output", required=True)
    parser.add_argument("--source", default="")
    args = parser.parse_args(argv)
    if args.connection_env:
        if bool(args.table) == bool(args.query):
            parser.error("a database source needs --table or --query")
    elif not (args.input and args.format):
        parser.error("give --input and --format, or --connection-env with --table or --query")
    try:
        import pandas  # noqa: F401
    except ImportError:
        raise SystemExit("EDA needs pandas: install Debian's python3-pandas (and python3-openpyxl for .xlsx)")
    if args.connection_env:
        connection = json.loads(os.environ.pop(args.connection_env, None) or "null")
        if not isinstance(connection, dict):
            raise SystemExit(f"${args.connection_env} holds no connection")
        frame = read_database(connection, args.table, args.query)
    else:
        frame = read(args.input, args.format)
    summary = profile(frame, args.level)
    summary["source"] = args.source
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    tmp = args.output + ".partial"
    with open(tmp, "w", encoding="utf-8") as out:
        json.dump(summary, out, ensure_ascii=False, allow_nan=False)
    os.replace(tmp, args.output)
    print(f"profiled {summary['rows']} rows x {summary['columns']} columns ({args.level}) into {args.output}")


if __name__ == "__main__":
    main(sys.argv[1:])
