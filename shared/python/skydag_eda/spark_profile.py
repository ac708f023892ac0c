"""Profiles a CSV/TSV file as a Spark job for skydag's EDA in AWS and writes the JSON summary.

    spark-submit spark_profile.py --input s3://bucket/data.csv --format csv --level L1 \\
      --source orders --output s3://bucket/eda/reports/orders/L1-20240101T000000/summary.json

The summary has the shape the pandas profiler (profile.py) writes, so the same renderer makes the
HTML report from it: L0 row and column counts; per column its type, nulls, distinct count,
min/max/mean/std and quantiles (numbers), the top values and a histogram; L1 adds Pearson
correlations between numeric columns (pairwise complete, as pandas) and each column's distribution
(numbers: 20 bins; others: the 20 most frequent values). Differences from pandas: types are Spark's
(`dtype` is Spark's type name), quantiles are Spark's approxQuantile (relative error 0.001, no
interpolation between values). Spark computes; the driver only collects aggregates, which the plain
functions below (no pyspark needed, tested with python3) turn into the summary. The output is written
through Hadoop's FileSystem, so s3://, hdfs:// and file:// all work. skydag generates the DAG that
submits this program (shared/eda/sources.ts) and ships it as the code artifact skydag-eda-profile.py.
"""
import argparse
import json
import math
import sys

MAX_TOP = 10
HIST_BINS = 10
DIST_BINS = 20
QUANTILES = [("5%", 0.05), ("25%", 0.25), ("50%", 0.5), ("75%", 0.75), ("95%", 0.95)]
NUMERIC_TYPES = ("tinyint", "smallint", "int", "bigint", "float", "double", "byte", "short", "integer", "long")
OBJECT_STORES = ("s3", "s3a", "s3n", "gs", "abfs", "abfss", "wasb", "wasbs")


# ---- plain functions: collected values in, summary parts out


def number(value):
    """A JSON-safe float (NaN and infinities become None)."""
    if value is None:
        return None
    f = float(value)
    return None if math.isnan(f) or math.isinf(f) else f


def text(value):
    return value if isinstance(value, str) else str(value)


def kind_of(spark_type):
    """profile.py's column kinds from a Spark type name (DataType.simpleString())."""
    if spark_type == "boolean":
        return "boolean"
    if spark_type in NUMERIC_TYPES or spark_type.startswith("decimal"):
        return "number"
    if spark_type == "date" or spark_type.startswith("timestamp"):
        return "datetime"
    return "text"


def histogram_range(lo, hi):
    """numpy.histogram's range: a single value v gets (v - 0.5, v + 0.5)."""
    lo, hi = float(lo), float(hi)
    return (lo - 0.5, hi + 0.5) if lo == hi else (lo, hi)


def bin_index(value, lo, hi, bins):
    """The bin numpy.histogram puts value in (equal widths, the last bin closed on the right)."""
    return min(int(math.floor((float(value) - lo) / (hi - lo) * bins)), bins - 1)


def histogram(lo, hi, bins, counts):
    """Bins {from, to, count} from per-bin counts ({bin index: count}; missing bins are empty)."""
    width = (hi - lo) / bins
    return [
        {"from": number(lo + i * width), "to": number(hi if i == bins - 1 else lo + (i + 1) * width), "count": int(counts.get(i, 0))}
        for i in range(bins)
    ]


def top_values(pairs, n):
    """[(value, count)] sorted by count (then value) → the first n as {value, count}."""
    return [{"value": text(v), "count": int(c)} for v, c in pairs[:n]]


def column_profile(name, spark_type, rows, count, distinct, stats, quantiles, top, hist, distribution):
    """One column as profile.py writes it (stats: min/max/mean/std; None where they do not apply)."""
    kind = kind_of(spark_type)
    column = {
        "name": text(name),
        "type": kind,
        "dtype": spark_type,
        "count": int(count),
        "nulls": int(rows - count),
        "distinct": int(distinct),
        "top_values": top_values(top, MAX_TOP),
    }
    if kind == "number":
        column.update(
            {
                "min": number(stats.get("min")),
                "max": number(stats.get("max")),
                "mean": number(stats.get("mean")),
                "std": number(stats.get("std")),
                "quantiles": {label: number(v) for (label, _), v in zip(QUANTILES, quantiles or [None] * len(QUANTILES))},
                "histogram": hist or [],
            }
        )
    elif kind in ("text", "datetime") and count > 0:
        column.update({"min": stats.get("min"), "max": stats.get("max")})
    if distribution is not None:
        column["distribution"] = distribution
    return column


def correlation_matrix(columns, values):
    """Pearson correlations ({(i, j): r} for i <= j) as a symmetric matrix over the numeric columns."""
    if len(columns) < 2:
        return {"columns": [], "matrix": []}
    size = len(columns)
    return {
        "columns": [text(c) for c in columns],
        "matrix": [[number(values.get((min(i, j), max(i, j)))) for j in range(size)] for i in range(size)],
    }


def summary(level, rows, profiles, correlations, source):
    out = {"level": level, "rows": int(rows), "columns": len(profiles), "column_profiles": profiles}
    if level == "L1":
        out["correlations"] = correlations
    out["source"] = source
    return out


# ---- the Spark job


def _quoted(name):
    return "`" + name.replace("`", "``") + "`"


def profile_frame(frame, level, source):
    from pyspark.sql import functions as F

    fields = [(f.name, f.dataType.simpleString()) for f in frame.schema.fields]
    col = lambda name: F.col(_quoted(name))  # noqa: E731
    finite = lambda c: (~F.isnan(c)) & (F.abs(c) != float("inf"))  # noqa: E731
    aggregates = [F.count(F.lit(1)).alias("rows")]
    for i, (name, spark_type) in enumerate(fields):
        c = col(name)
        aggregates += [F.count(c).alias("count%d" % i), F.countDistinct(c).alias("distinct%d" % i)]
        kind = kind_of(spark_type)
        if kind == "number":
            x = c.cast("double")
            aggregates += [
                F.min(x).alias("min%d" % i), F.max(x).alias("max%d" % i), F.mean(x).alias("mean%d" % i), F.stddev_samp(x).alias("std%d" % i),
                F.min(F.when(finite(x), x)).alias("lo%d" % i), F.max(F.when(finite(x), x)).alias("hi%d" % i),
            ]
        elif kind in ("text", "datetime"):
            aggregates += [F.min(c.cast("string")).alias("min%d" % i), F.max(c.cast("string")).alias("max%d" % i)]
    totals = frame.agg(*aggregates).first().asDict()
    rows = totals["rows"]
    numeric = [name for name, spark_type in fields if kind_of(spark_type) == "number"]
    quantiles = dict(zip(numeric, frame.approxQuantile(numeric, [p for _, p in QUANTILES], 0.001))) if numeric and rows else {}

    def binned(c, lo, hi, bins):
        x = c.cast("double")
        index = F.least(F.floor((x - F.lit(lo)) / F.lit(hi - lo) * F.lit(bins)), F.lit(bins - 1)).cast("int")
        return histogram(lo, hi, bins, {r[0]: r[1] for r in frame.where(finite(x)).groupBy(index).count().collect()})

    profiles = []
    for i, (name, spark_type) in enumerate(fields):
        c = col(name)
        kind = kind_of(spark_type)
        wanted = max(MAX_TOP, DIST_BINS if level == "L1" else 0)
        counts = frame.where(c.isNotNull()).groupBy(c.cast("string").alias("value")).count()
        top = [(r["value"], r["count"]) for r in counts.orderBy(F.desc("count"), F.asc("value")).limit(wanted).collect()]
        hist = distribution = None
        stats = {k: totals.get("%s%d" % (k, i)) for k in ("min", "max", "mean", "std")}
        if kind == "number" and totals.get("lo%d" % i) is not None:
            lo, hi = histogram_range(totals["lo%d" % i], totals["hi%d" % i])
            hist = binned(c, lo, hi, HIST_BINS)
            if level == "L1":
                distribution = binned(c, lo, hi, DIST_BINS)
        if level == "L1" and distribution is None:
            distribution = [] if kind == "number" else top_values(top, DIST_BINS)
        profiles.append(column_profile(name, spark_type, rows, totals["count%d" % i], totals["distinct%d" % i], stats, quantiles.get(name), top, hist, distribution))
    correlations = None
    if level == "L1":
        pairs = [(i, j) for i in range(len(numeric)) for j in range(i, len(numeric))] if len(numeric) > 1 else []
        found = frame.agg(*[F.corr(col(numeric[i]).cast("double"), col(numeric[j]).cast("double")).alias("r%d_%d" % (i, j)) for i, j in pairs]).first().asDict() if pairs else {}
        correlations = correlation_matrix(numeric, {(i, j): found["r%d_%d" % (i, j)] for i, j in pairs})
    return summary(level, rows, profiles, correlations, source)


def write_text(spark, uri, content):
    """Writes one file through Hadoop's FileSystem (object stores show it whole at close; others by rename)."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    target = jvm.org.apache.hadoop.fs.Path(uri)
    fs = target.getFileSystem(conf)
    direct = (target.toUri().getScheme() or "").lower() in OBJECT_STORES
    path = target if direct else jvm.org.apache.hadoop.fs.Path(uri + ".partial")
    out = fs.create(path, True)
    try:
        out.write(bytearray(content.encode("utf-8")))
    finally:
        out.close()
    if not direct:
        fs.delete(target, False)
        if not fs.rename(path, target):
            raise SystemExit("could not move the summary into place at " + uri)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True)
    parser.add_argument("--format", required=True, choices=["csv", "tsv"])
    parser.add_argument("--level", default="L0", choices=["L0", "L1"])
    parser.add_argument("--output", required=True)
    parser.add_argument("--source", default="")
    args = parser.parse_args(argv)
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SystemExit("the EDA Spark profiler runs with spark-submit (pyspark is not importable)")
    spark = SparkSession.builder.appName("skydag EDA " + args.source).getOrCreate()
    try:
        reader = spark.read.option("header", "true").option("inferSchema", "true").option("mode", "PERMISSIVE")
        frame = reader.option("sep", "\t" if args.format == "tsv" else ",").csv(args.input)
        result = profile_frame(frame, args.level, args.source)
        write_text(spark, args.output, json.dumps(result, ensure_ascii=False, allow_nan=False))
        print("profiled %d rows x %d columns (%s) into %s" % (result["rows"], result["columns"], args.level, args.output))
    finally:
        spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
