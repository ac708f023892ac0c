"""Python callables for yaml_example.yaml (dag-factory's python_callable_name / python_callable_file).

Each function takes its op_kwargs; Airflow also passes context values (ds, ti, ...) to parameters
with matching names and to **context.
"""
import csv
import os


def _read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _write(path, rows, fieldnames):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)


def clean_csv(source, key, data_dir, **context):
    """Trims every value, drops rows without a key and keeps the first row of each key."""
    rows = _read(os.path.join(data_dir, f"{source}_raw.csv"))
    if not rows:
        raise ValueError(f"{source}_raw.csv has no rows")
    fieldnames = list(rows[0].keys())
    seen = set()
    cleaned = []
    for row in rows:
        row = {k.strip(): (v or "").strip() for k, v in row.items()}
        if not row.get(key) or row[key] in seen:
            continue
        seen.add(row[key])
        cleaned.append(row)
    _write(os.path.join(data_dir, f"{source}_clean.csv"), cleaned, [f.strip() for f in fieldnames])
    print(f"{source}: kept {len(cleaned)} of {len(rows)} rows")
    return len(cleaned)


def join_orders_customers(data_dir, **context):
    """Adds each order's customer name and country; orders of unknown customers are kept with blanks."""
    customers = {c["customer_id"]: c for c in _read(os.path.join(data_dir, "customers_clean.csv"))}
    orders = _read(os.path.join(data_dir, "orders_clean.csv"))
    enriched = []
    for order in orders:
        customer = customers.get(order.get("customer_id", ""), {})
        enriched.append({**order, "customer_name": customer.get("name", ""), "country": customer.get("country", "")})
    fieldnames = list(orders[0].keys()) + ["customer_name", "country"] if orders else ["customer_name", "country"]
    _write(os.path.join(data_dir, "orders_enriched.csv"), enriched, fieldnames)
    unknown = sum(1 for row in enriched if not row["customer_name"])
    print(f"joined {len(enriched)} orders ({unknown} with an unknown customer)")
    return {"orders": len(enriched), "unknown_customers": unknown}


def check_row_counts(path, min_rows, **context):
    """Fails the task when the loaded file has fewer rows than expected."""
    rows = _read(path)
    if len(rows) < int(min_rows):
        raise ValueError(f"{path} has {len(rows)} rows, expected at least {min_rows}")
    print(f"{path}: {len(rows)} rows")
    return len(rows)
