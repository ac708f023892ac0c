"""Profiles a CSV/TSV/XLSX file or a database table as a Spark job for skydag's EDA in AWS and writes the JSON summary.

    spark-submit spark_profile.py --input s3://bucket/data.csv --format csv --level L1 \\
      --source orders --output s3://bucket/eda/reports/orders/L1-20240101T000000/summary.json
    spark-submit --jars postgresql.jar spark_profile.py --jdbc-credentials s3://bucket/eda/credentials/D/T.json \\
      --table '"public"."orders"' --level L0 --source orders --output s3://bucket/eda/reports/orders/L0-T/summary.json

The summary has the shape the pandas profiler (profile.py) writes, so the same renderer makes the
HTML report from it: L0 row and column counts; per column its type, nulls, distinct count,
min/max/mean/std and quantiles (numbers), the top values and a histogram; L1 adds Pearson
correlations between numeric columns (pairwise complete, as pandas) and each column's distribution
(numbers: 20 bins; others: the 20 most frequent values). Differences from pandas: types are Spark's
(`dtype` is Spark's type name), quantiles are Spark's approxQuantile (relative error 0.001, no
interpolation between values), timestamps as text keep their time. An .xlsx is read on the driver
with the standard library (read_xlsx: EMR does not promise pandas or openpyxl) and distributed. Spark computes; the driver only collects aggregates, which the plain
functions below (no pyspark needed, tested with python3) turn into the summary. The output is written
through Hadoop's FileSystem, so s3://, hdfs:// and file:// all work. skydag generates the DAG that
submits this program (shared/eda/sources.ts) and ships it as the code artifact skydag-eda-profile.py.

A database table (or query) is read with Spark's JDBC source. Its URL, driver, user and password are
in no argument: --jdbc-credentials names a short-lived object the API wrote for this run, which the
driver reads through Hadoop's FileSystem and deletes before it connects (read_credentials); the secret
is never printed. --table is quoted for the `dbtable` option as skydag wrote it; --query goes to the
`query` option (jdbc_query). The session is read-only, as the local profiler's.
"""
import argparse
import datetime
import json
import math
import posixpath
import re
import sys
from xml.etree import ElementTree

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


# ---- XLSX on the driver (the standard library only: EMR does not promise pandas or openpyxl)
#
# Reads the first worksheet as pandas.read_excel (the local profiler's reader, openpyxl underneath)
# does: shared and inline strings, booleans, numbers (integral ones as ints), dates by the cell
# style's number format (openpyxl's rule: the built-in date formats and any format with date or time
# letters outside quotes and [locale] brackets, elapsed-time [h] formats too, as openpyxl's read-only
# mode that pandas uses; the 1900 or 1904 epoch; a serial below 1 is a time of day), formula cells
# by their cached value, error cells as missing; the first row is the header ("Unnamed: i" for an
# empty cell, repeats made "a.1"), every row to the last with a value is data (a blank one all
# missing), pandas' missing-value strings ("NA", "#N/A", "null", ...) are missing. Column types as
# pandas infers them: numbers (numeric text too; booleans with missing values become 1.0/0.0),
# booleans, timestamps, else text (times of day as "HH:MM:SS").

XLSX_MAX_MEMBER = 1 << 30  # bytes of one uncompressed part: a larger one is refused (zip bomb)
_BUILTIN_FORMATS = {
    14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM",
    20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm", 45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0",
}
_STRIP_FORMAT = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
# pandas' default missing-value strings (pandas 1.5, Debian's).
NA_STRINGS = frozenset(["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null"])
_CELL_REF = re.compile(r"([A-Z]+)(\d+)$")


def is_date_format(fmt):
    """openpyxl.styles.numbers.is_date_format."""
    if fmt is None:
        return False
    fmt = _STRIP_FORMAT.sub("", fmt.split(";")[0])
    return re.search(r"[^\\][dmhysDMHYS]", fmt) is not None


def from_excel(value, date1904=False):
    """openpyxl.utils.datetime.from_excel: a serial number as a datetime (a time of day below 1)."""
    epoch = datetime.datetime(1904, 1, 1) if date1904 else datetime.datetime(1899, 12, 30)
    day, fraction = divmod(value, 1)
    diff = datetime.timedelta(milliseconds=round(fraction * 86400 * 1000))
    if 0 <= value < 1 and diff.days == 0:
        return (datetime.datetime.min + diff).time()
    if 0 < value < 60 and not date1904:
        day += 1
    return epoch + datetime.timedelta(days=day) + diff


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _children(element, name):
    return [c for c in element if _local(c.tag) == name]


def _text_of(element):
    """A <si> or <is>: its <t>, then its runs' <t> (phonetic runs left out), as openpyxl's Text.content."""
    parts = [t.text or "" for t in _children(element, "t")]
    for run in _children(element, "r"):
        parts += [t.text or "" for t in _children(run, "t")]
    return "".join(parts)


def _column_index(letters):
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _xml(book, name):
    info = book.getinfo(name)
    if info.file_size > XLSX_MAX_MEMBER:
        raise ValueError("%s is %d bytes uncompressed: too large to read" % (name, info.file_size))
    return ElementTree.fromstring(book.read(name))


def _workbook_parts(book):
    """The first worksheet's, the shared strings' and the styles' part names (through the workbook's relationships), and the epoch."""
    workbook = _xml(book, "xl/workbook.xml")
    props = [e for e in workbook.iter() if _local(e.tag) == "workbookPr"]
    date1904 = bool(props) and props[0].get("date1904", "0").lower() in ("1", "true")
    rels = {}
    for rel in _xml(book, "xl/_rels/workbook.xml.rels"):
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        rels[rel.get("Id")] = (rel.get("Type", "").rsplit("/", 1)[-1], target)
    of_type = lambda kind, default: next((t for k, t in rels.values() if k == kind), default)  # noqa: E731
    for sheet in (e for e in workbook.iter() if _local(e.tag) == "sheet"):
        rid = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), None)
        kind, target = rels.get(rid, ("", ""))
        if kind == "worksheet":
            return target, of_type("sharedStrings", "xl/sharedStrings.xml"), of_type("styles", "xl/styles.xml"), date1904
    raise ValueError("the workbook has no worksheet")


def _styles(book, part):
    """The cell styles (index of <c s=...>) whose number format is a date."""
    if part not in book.namelist():
        return {}
    styles = _xml(book, part)
    custom = {}
    for fmt in (e for e in styles.iter() if _local(e.tag) == "numFmt"):
        custom[int(fmt.get("numFmtId"))] = fmt.get("formatCode")
    dates = set()
    for xfs in (e for e in styles if _local(e.tag) == "cellXfs"):
        for index, xf in enumerate(_children(xfs, "xf")):
            number = int(xf.get("numFmtId", "0"))
            fmt = custom[number] if number in custom else _BUILTIN_FORMATS.get(number)
            if is_date_format(fmt):
                dates.add(index)
    return dates


def _cell_value(cell, strings, dates, date1904):
    """A cell as pandas.read_excel's openpyxl reader gives it (None: missing)."""
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = _children(cell, "is")
        return _text_of(inline[0]) if inline else None
    found = _children(cell, "v")
    value = (found[0].text if found else None) or None
    if value is None or kind == "e":
        return None
    if kind == "s":
        return strings[int(value)]
    if kind == "b":
        return bool(int(value))
    if kind == "str":
        return value
    if kind == "d":
        return datetime.datetime.fromisoformat(value.replace("Z", ""))
    number = float(value) if ("." in value or "e" in value.lower()) else int(value)
    style = int(cell.get("s", "0") or 0)
    if style in dates:
        try:
            return from_excel(number, date1904)
        except (OverflowError, ValueError):
            return None  # openpyxl makes it an error cell, pandas a missing value
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def read_xlsx(data):
    """The first worksheet of an .xlsx file (bytes): (column names, rows of values), as pandas.read_excel."""
    import zipfile

    try:
        return _read_xlsx(data)
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError) as error:
        raise ValueError("not an .xlsx workbook: %s" % (error.args[0] if error.args else error))


def _read_xlsx(data):
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet_name, strings_part, styles_part, date1904 = _workbook_parts(book)
        strings = []
        if strings_part in book.namelist():
            strings = [_text_of(si).replace("x005F_", "") for si in _xml(book, strings_part) if _local(si.tag) == "si"]
        dates = _styles(book, styles_part)
        sheet = _xml(book, sheet_name)
    rows = {}
    row_number = 0
    for row in (e for e in sheet.iter() if _local(e.tag) == "row"):
        row_number = int(row.get("r")) if row.get("r") else row_number + 1
        values = {}
        column = 0
        for cell in _children(row, "c"):
            ref = _CELL_REF.match(cell.get("r", ""))
            column = _column_index(ref.group(1)) if ref else column + 1
            value = _cell_value(cell, strings, dates, date1904)
            if value is not None:
                values[column] = value
        if values:
            rows[row_number] = values
    if not rows:
        return [], []
    # Every row from the first to the last with a value (blank ones as missing values), as wide as the widest.
    width = max(max(values) for values in rows.values())
    table = [[rows.get(r, {}).get(c) for c in range(1, width + 1)] for r in range(1, max(rows) + 1)]
    missing = lambda v: None if isinstance(v, str) and v in NA_STRINGS else v  # noqa: E731
    return _header_names(table[0]), [[missing(v) for v in row] for row in table[1:]]


def _header_names(cells):
    names, counts = [], {}
    for i, cell in enumerate(cells):
        if cell is None:
            name = "Unnamed: %d" % i
        elif isinstance(cell, float) and cell.is_integer():
            name = str(int(cell))
        else:
            name = str(cell)
        count = counts.get(name, 0)
        while count > 0:  # pandas' de-duplication: a, a.1, a.2
            counts[name] = count + 1
            name = "%s.%d" % (name, count)
            count = counts.get(name, 0)
        counts[name] = count + 1
        names.append(name)
    return names


def _numeric(value):
    """A number from a cell (numeric text too, as pandas converts a column of it), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return int(value) if re.fullmatch(r"\s*[-+]?\d+\s*", value) else float(value)
        except ValueError:
            return None
    return None


_TRUE, _FALSE = ("True", "TRUE", "true"), ("False", "FALSE", "false")


def xlsx_columns(names, rows):
    """Spark type names for the columns and the rows with values of those types (bigint, double, boolean, timestamp, string)."""
    types, columns = [], []
    for i in range(len(names)):
        values = [r[i] for r in rows]
        present = [v for v in values if v is not None]
        numbers = [_numeric(v) for v in present]
        if not present:
            kind, convert = "double", float  # pandas: an empty column is float64 (all NaN)
        elif all(n is not None for n in numbers):
            kind = "bigint" if all(isinstance(n, int) for n in numbers) else "double"
            convert = (lambda v: int(_numeric(v))) if kind == "bigint" else (lambda v: float(_numeric(v)))
        elif all(isinstance(v, bool) or v in _TRUE or v in _FALSE for v in present):
            as_bool = lambda v: v if isinstance(v, bool) else v in _TRUE  # noqa: E731
            # pandas: an object column of booleans with missing values converts to numbers.
            kind, convert = ("boolean", as_bool) if len(present) == len(values) else ("double", lambda v: float(as_bool(v)))
        elif all(isinstance(v, datetime.datetime) for v in present):
            kind, convert = "timestamp", lambda v: v
        else:
            kind, convert = "string", str
        types.append(kind)
        columns.append([None if v is None else convert(v) for v in values])
    return list(zip(names, types)), [list(r) for r in zip(*columns)] if columns else [[] for _ in rows]


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


def xlsx_frame(spark, uri):
    """An .xlsx file's first sheet as a DataFrame: the workbook read on the driver (read_xlsx), its rows distributed."""
    from pyspark.sql import types as T

    spark_types = {"bigint": T.LongType, "double": T.DoubleType, "boolean": T.BooleanType, "timestamp": T.TimestampType, "string": T.StringType}
    data = spark.sparkContext.binaryFiles(uri).first()[1]
    fields, rows = xlsx_columns(*read_xlsx(bytes(data)))
    schema = T.StructType([T.StructField(name, spark_types[kind](), True) for name, kind in fields])
    return spark.createDataFrame(rows, schema)


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


# ---- a database over JDBC

CREDENTIAL_KEYS = ("url", "driver", "user", "password")
# Run before each JDBC session reads: the profile never writes, whatever the query says.
READ_ONLY_SESSION = {"org.postgresql.Driver": "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"}
FETCH_SIZE = "10000"  # rows per round trip (the postgres driver otherwise loads the whole result at once)


def read_credentials(spark, uri):
    """The run's credentials object ({url, driver, user, password}) read through Hadoop's FileSystem, then deleted."""
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    try:
        stream = fs.open(path)  # no exists() first: on S3 that lists the bucket, which the job's role may not
    except Exception as error:  # py4j's Py4JJavaError, carrying the Java exception's name
        if "FileNotFoundException" not in str(error):
            raise
        raise SystemExit("the run's database credentials (%s) are gone: they are read once, by the run they were written for, and expire after a day;"
                         " profile the source again from skydag's EDA page (POST /api/v1/edaSources/{name}/runs)" % uri)
    buffer = jvm.java.io.ByteArrayOutputStream()
    jvm.org.apache.hadoop.io.IOUtils.copyBytes(stream, buffer, 65536, True)
    data = bytes(buffer.toByteArray())
    # Deleted before anything else happens: a failure below leaves no secret behind.
    if not fs.delete(path, False):
        raise SystemExit("could not delete the run's database credentials (%s): the job's role needs s3:DeleteObject on eda/credentials/*" % uri)
    try:
        credentials = json.loads(data.decode("utf-8"))
    except ValueError:
        credentials = None
    if not isinstance(credentials, dict) or not isinstance(credentials.get("url"), str) or not isinstance(credentials.get("driver"), str):
        raise SystemExit("%s holds no database credentials (url, driver, user, password)" % uri)
    return {key: credentials.get(key) for key in CREDENTIAL_KEYS}


def jdbc_query(query):
    """A query for the `query` option, which Spark wraps as `(query) SPARK_GEN_SUBQ_n`: no trailing `;`, and a final line comment ended."""
    return query.strip().rstrip(";").rstrip() + "\n"


def jdbc_frame(spark, credentials, table=None, query=None):
    """The table (already quoted for `dbtable`) or the query's rows as a DataFrame, read over JDBC."""
    reader = spark.read.format("jdbc").option("url", credentials["url"]).option("driver", credentials["driver"])
    if credentials.get("user") is not None:
        reader = reader.option("user", credentials["user"])
    if credentials.get("password") is not None:
        reader = reader.option("password", credentials["password"])
    if credentials["driver"] in READ_ONLY_SESSION:
        reader = reader.option("sessionInitStatement", READ_ONLY_SESSION[credentials["driver"]])
    reader = reader.option("fetchsize", FETCH_SIZE)
    reader = reader.option("dbtable", table) if table else reader.option("query", jdbc_query(query))
    return reader.load()


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input")
    parser.add_argument("--format", choices=["csv", "tsv", "xlsx"])
    parser.add_argument("--jdbc-credentials", help="the run's credentials object (s3://…/eda/credentials/…json), read once and deleted")
    parser.add_argument("--table", help="a table, quoted for Spark's dbtable option")
    parser.add_argument("--query", help="a SELECT, for Spark's query option")
    parser.add_argument("--level", default="L0", choices=["L0", "L1"])
    parser.add_argument("--output", required=True)
    parser.add_argument("--source", default="")
    args = parser.parse_args(argv)
    if args.jdbc_credentials:
        if args.input or args.format or (args.table is None) == (args.query is None):
            parser.error("--jdbc-credentials takes --table or --query (and no --input or --format)")
    elif not (args.input and args.format) or args.table is not None or args.query is not None:
        parser.error("give --input and --format, or --jdbc-credentials with --table or --query")
    return args


def run(spark, args):
    """Reads the source, profiles it and writes the summary (main's work, given a session)."""
    if args.jdbc_credentials:
        frame = jdbc_frame(spark, read_credentials(spark, args.jdbc_credentials), args.table, args.query)
    elif args.format == "xlsx":
        frame = xlsx_frame(spark, args.input)
    else:
        reader = spark.read.option("header", "true").option("inferSchema", "true").option("mode", "PERMISSIVE")
        frame = reader.option("sep", "\t" if args.format == "tsv" else ",").csv(args.input)
    result = profile_frame(frame, args.level, args.source)
    write_text(spark, args.output, json.dumps(result, ensure_ascii=False, allow_nan=False))
    print("profiled %d rows x %d columns (%s) into %s" % (result["rows"], result["columns"], args.level, args.output))
    return result


def main(argv):
    args = parse_args(argv)
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SystemExit("the EDA Spark profiler runs with spark-submit (pyspark is not importable)")
    spark = SparkSession.builder.appName("skydag EDA " + args.source).getOrCreate()
    try:
        run(spark, args)
    finally:
        spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
