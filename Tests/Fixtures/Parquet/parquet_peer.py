"""Reference side of Jupiter's Parquet tests: pyarrow and Hugging Face `datasets` write the files
Jupiter must read, and read back the files Jupiter writes.

  parquet_peer.py cases DIR            write the fidelity files; print {"name": rows, ...}
  parquet_peer.py compare DIR          compare DIR/NAME.parquet (pyarrow to_pylist) with
                                       DIR/NAME.jupiter.jsonl (Jupiter's rows); print a report
  parquet_peer.py formats FIXTURES DIR convert Tests/Fixtures/Formats/*/input.jsonl to Parquet, and
                                       write the JSONL of the Parquet rows beside each
  parquet_peer.py unsupported DIR      write files with columns Jupiter does not read
  parquet_peer.py check FILE ROWS      pyarrow reads FILE (written by Jupiter); compare with ROWS
                                       (JSONL); print a report
  parquet_peer.py load FOLDER [--drop-nulls]
                                       datasets.load_dataset(FOLDER, split="train") rows as JSONL
                                       (without null object members)

Rows are compared in a canonical form: numbers as decimals (so 1 == 1.0 but not True), NaN and
infinities as null (Jupiter writes JSON), bytes as base64, dates and times as Jupiter's ISO text,
maps as objects, object key order significant.
"""
import base64
import datetime as dt
import decimal
import json
import math
import os
import random
import sys

import pyarrow as pa
import pyarrow.parquet as pq

D = decimal.Decimal


# --- canonical form ---------------------------------------------------------------------------

def iso_fraction(micro, digits):
    return ("%06d" % micro)[:digits] if digits <= 6 else "%06d" % micro + "0" * (digits - 6)


def canon_arrow(v, t):
    """Canonical form of a to_pylist value of arrow type t."""
    if v is None:
        return None
    if getattr(t, "storage_type", None) is not None:  # an extension type, e.g. arrow.json (JSON logical type)
        return canon_arrow(v, t.storage_type)
    if pa.types.is_dictionary(t):
        return canon_arrow(v, t.value_type)
    if pa.types.is_boolean(t):
        return ("b", v)
    if pa.types.is_integer(t):
        return ("n", D(v))
    if pa.types.is_floating(t):
        return None if (math.isnan(v) or math.isinf(v)) else ("n", D(repr(float(v))))
    if pa.types.is_decimal(t):
        return ("n", D(v))
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return ("s", v)
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return ("s", base64.b64encode(v).decode())
    if pa.types.is_date(t):
        return ("s", v.isoformat())
    if pa.types.is_timestamp(t):
        digits = {"ms": 3, "us": 6, "ns": 9}[t.unit]
        if t.tz is not None:
            v = v.astimezone(dt.timezone.utc)
        return ("s", v.strftime("%Y-%m-%dT%H:%M:%S") + "." + iso_fraction(v.microsecond, digits)
                + ("Z" if t.tz is not None else ""))
    if pa.types.is_time(t):
        digits = {"s": 3, "ms": 3, "us": 6, "ns": 9}[t.unit]
        return ("s", v.strftime("%H:%M:%S") + "." + iso_fraction(v.microsecond, digits))
    if pa.types.is_map(t):
        return ("o", [(k if isinstance(k, str) else json.dumps(k), canon_arrow(x, t.item_type)) for k, x in v])
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return ("a", [canon_arrow(x, t.value_type) for x in v])
    if pa.types.is_struct(t):
        return ("o", [(t.field(i).name, canon_arrow(v.get(t.field(i).name), t.field(i).type))
                      for i in range(t.num_fields)])
    raise TypeError("no canonical form for %s" % t)


def canon_json(v):
    """Canonical form of a value parsed with parse_float=Decimal."""
    if v is None:
        return None
    if isinstance(v, bool):
        return ("b", v)
    if isinstance(v, (int, D)):
        return ("n", D(v))
    if isinstance(v, float):
        return None if (math.isnan(v) or math.isinf(v)) else ("n", D(repr(v)))
    if isinstance(v, str):
        return ("s", v)
    if isinstance(v, list):
        return ("a", [canon_json(x) for x in v])
    if isinstance(v, dict):
        return ("o", [(k, canon_json(x)) for k, x in v.items()])
    raise TypeError(type(v))


def table_rows(table):
    schema = table.schema
    return [("o", [(f.name, canon_arrow(row[f.name], f.type)) for f in schema]) for row in table.to_pylist()]


def report(expected, got):
    mismatches = [i for i, (a, b) in enumerate(zip(expected, got)) if a != b]
    first = None
    if mismatches:
        i = mismatches[0]
        first = {"row": i + 1, "expected": repr(expected[i])[:600], "got": repr(got[i])[:600]}
    elif len(expected) != len(got):
        first = {"row": min(len(expected), len(got)) + 1, "expected": "%d rows" % len(expected), "got": "%d rows" % len(got)}
    return {"rows": len(expected), "read": len(got), "mismatches": len(mismatches), "first": first}


# --- the fidelity files -----------------------------------------------------------------------

WORDS = ("Mae hi'n braf heddiw · ŵyr ŷd · Diolch yn fawr! 🐉 bore da, nos da; the quick brown fox jumps over "
         "the lazy dog. Llanfairpwllgwyngyll. \"quoted\" \\ back\tslash\nnew line").split(" ")


def text(rng, lo, hi):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))


def conversations(n, seed=7, nulls=True):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        messages = []
        if rng.random() < 0.3:
            messages.append({"role": "system", "content": text(rng, 3, 12), "reasoning_content": None})
        for _ in range(rng.randint(1, 4)):
            messages.append({"role": "user", "content": text(rng, 2, 40), "reasoning_content": None})
            messages.append({"role": "assistant", "content": text(rng, 2, 80),
                             "reasoning_content": text(rng, 5, 30) if rng.random() < 0.4 else None})
        row = {"id": "conv-%05d" % i, "messages": messages, "score": round(rng.uniform(-5, 5), 3),
               "turns": len(messages), "reviewed": rng.random() < 0.5,
               "tags": [rng.choice(["cy", "en", "maths", "code"]) for _ in range(rng.randint(0, 3))],
               "meta": {"source": rng.choice(["senedd", "wikipedia", "synthetic"]), "year": rng.randint(1990, 2025)}}
        if nulls and rng.random() < 0.1:
            row["score"] = None
        if nulls and rng.random() < 0.1:
            row["meta"] = None
        rows.append(row)
    return rows


CONV_SCHEMA = pa.schema([
    ("id", pa.string()),
    ("messages", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string()),
                                     ("reasoning_content", pa.string())]))),
    ("score", pa.float64()), ("turns", pa.int64()), ("reviewed", pa.bool_()), ("tags", pa.list_(pa.string())),
    ("meta", pa.struct([("source", pa.string()), ("year", pa.int32())])),
])


def nested_nulls():
    """Nulls at every level, empty lists, lists of lists, structs in structs."""
    msg = pa.struct([("role", pa.string()), ("content", pa.string()),
                     ("tool_calls", pa.list_(pa.struct([("name", pa.string()), ("arguments", pa.string())])))])
    schema = pa.schema([
        ("messages", pa.list_(msg)),
        ("grid", pa.list_(pa.list_(pa.int64()))),
        ("outer", pa.struct([("inner", pa.struct([("x", pa.int32()), ("y", pa.string())])), ("z", pa.float32())])),
        pa.field("req", pa.string(), nullable=False),
    ])
    rows = [
        {"messages": None, "grid": None, "outer": None, "req": "a"},
        {"messages": [], "grid": [], "outer": {"inner": None, "z": None}, "req": "b"},
        {"messages": [None, {"role": None, "content": None, "tool_calls": None}], "grid": [None, [], [None]],
         "outer": {"inner": {"x": None, "y": None}, "z": 1.5}, "req": "c"},
        {"messages": [{"role": "assistant", "content": "", "tool_calls": []},
                      {"role": "assistant", "content": None,
                       "tool_calls": [{"name": "search", "arguments": "{\"q\": \"tywydd\"}"}, None,
                                      {"name": None, "arguments": "{}"}]}],
         "grid": [[1, 2, 3], [4], [], None, [5, None, 6]],
         "outer": {"inner": {"x": -7, "y": "ŵ"}, "z": -0.25}, "req": ""},
        {"messages": [{"role": "user", "content": "Helo", "tool_calls": None}], "grid": [[None, None]],
         "outer": {"inner": {"x": 2147483647, "y": ""}, "z": 3.4e38}, "req": "d"},
    ] * 3
    return pa.Table.from_pylist(rows, schema=schema)


def types_table():
    rng = random.Random(3)
    n = 40
    def maybe(v):
        return None if rng.random() < 0.15 else v
    cols = {
        "i8": pa.array([maybe(rng.randint(-128, 127)) for _ in range(n)], pa.int8()),
        "i16": pa.array([maybe(rng.randint(-32768, 32767)) for _ in range(n)], pa.int16()),
        "i32": pa.array([maybe(rng.randint(-2**31, 2**31 - 1)) for _ in range(n)], pa.int32()),
        "i64": pa.array([maybe(rng.randint(-2**63, 2**63 - 1)) for _ in range(n)], pa.int64()),
        "u8": pa.array([maybe(rng.randint(0, 255)) for _ in range(n)], pa.uint8()),
        "u16": pa.array([maybe(rng.randint(0, 65535)) for _ in range(n)], pa.uint16()),
        "u32": pa.array([maybe(rng.randint(0, 2**32 - 1)) for _ in range(n)], pa.uint32()),
        "u64": pa.array([maybe(rng.randint(0, 2**64 - 1)) for _ in range(n)], pa.uint64()),
        "f32": pa.array([maybe(rng.choice([rng.uniform(-1e6, 1e6), 0.1, float("nan"), float("inf"), -0.0]))
                         for _ in range(n)], pa.float32()),
        "f64": pa.array([maybe(rng.choice([rng.uniform(-1e300, 1e300), 1e-300, 5e-324, 1.0, float("-inf")]))
                         for _ in range(n)], pa.float64()),
        "flag": pa.array([maybe(rng.random() < 0.5) for _ in range(n)], pa.bool_()),
        "day": pa.array([maybe(dt.date(1900, 1, 1) + dt.timedelta(days=rng.randint(0, 80000))) for _ in range(n)],
                        pa.date32()),
        "ts_ms": pa.array([maybe(dt.datetime(1960, 1, 1) + dt.timedelta(milliseconds=rng.randint(0, 3 * 10**12)))
                           for _ in range(n)], pa.timestamp("ms")),
        "ts_us_utc": pa.array([maybe(dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
                                     + dt.timedelta(microseconds=rng.randint(-10**15, 10**15))) for _ in range(n)],
                              pa.timestamp("us", tz="UTC")),
        "t_ms": pa.array([maybe(dt.time(rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59),
                                        rng.randint(0, 999) * 1000)) for _ in range(n)], pa.time32("ms")),
        "t_us": pa.array([maybe(dt.time(rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59),
                                        rng.randint(0, 999999))) for _ in range(n)], pa.time64("us")),
        "dec_small": pa.array([maybe(D(rng.randint(-10**9, 10**9)) / 100) for _ in range(n)], pa.decimal128(11, 2)),
        "dec_big": pa.array([maybe(D(rng.randint(-10**29, 10**29)) / 10**5) for _ in range(n)], pa.decimal128(35, 5)),
        "bin": pa.array([maybe(bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 9)))) for _ in range(n)],
                        pa.binary()),
        "fixed": pa.array([maybe(bytes(rng.randint(0, 255) for _ in range(4))) for _ in range(n)], pa.binary(4)),
        "big_text": pa.array([maybe(text(rng, 0, 8)) for _ in range(n)], pa.large_string()),
        "category": pa.array([maybe(rng.choice(["cy", "en", "ga"])) for _ in range(n)],
                             pa.string()).dictionary_encode(),
        "counts": pa.array([maybe({rng.choice(["a", "b", "c", "ch", "dd"]) + str(k): rng.randint(0, 9)
                                   for k in range(rng.randint(0, 3))}) for _ in range(n)],
                           pa.map_(pa.string(), pa.int64())),
    }
    return pa.table(cols)


def write_cases(out):
    os.makedirs(out, exist_ok=True)
    made = {}
    conv = pa.Table.from_pylist(conversations(300), schema=CONV_SCHEMA)

    def write(name, table, **kw):
        pq.write_table(table, os.path.join(out, name + ".parquet"), **kw)
        made[name] = table.num_rows

    write("defaults", conv)
    for codec in ["none", "snappy", "gzip", "zstd"]:
        write("codec-" + codec, conv, compression=codec)
    write("dictionary-off", conv, use_dictionary=False)
    write("page-v2", conv, data_page_version="2.0")
    write("page-v2-zstd-plain", conv, data_page_version="2.0", compression="zstd", use_dictionary=False)
    write("page-v2-uncompressed", conv, data_page_version="2.0", compression="none")
    write("row-groups", conv, row_group_size=37, data_page_size=2048)
    write("legacy-list-names", conv, use_compliant_nested_type=False)
    nested = nested_nulls()
    write("nested-nulls", nested)
    write("nested-nulls-v2", nested, data_page_version="2.0", use_dictionary=False)
    rng = random.Random(11)
    big = pa.table({"id": pa.array(["big-%d" % i for i in range(6)]),
                    "text": pa.array([("ŵ" + text(rng, 10, 20)) * rng.randint(2000, 20000) for _ in range(6)])})
    write("large-strings", big)
    types = types_table()
    write("types", types)
    write("types-v2-plain", types, data_page_version="2.0", use_dictionary=False)
    plain_conv = conv.select(["id", "score", "turns", "tags", "meta"])
    write("delta-encodings", plain_conv, use_dictionary=False,
          column_encoding={"id": "DELTA_BYTE_ARRAY", "turns": "DELTA_BINARY_PACKED", "score": "BYTE_STREAM_SPLIT",
                           "tags": "DELTA_LENGTH_BYTE_ARRAY"})
    write("delta-encodings-v2", plain_conv, use_dictionary=False, data_page_version="2.0",
          column_encoding={"id": "DELTA_LENGTH_BYTE_ARRAY", "turns": "DELTA_BINARY_PACKED", "score": "BYTE_STREAM_SPLIT",
                           "tags": "DELTA_BYTE_ARRAY"})
    write("empty", conv.slice(0, 0))

    import datasets
    ds = datasets.Dataset.from_list(conversations(120, seed=9, nulls=False))
    ds.to_parquet(os.path.join(out, "hf-datasets.parquet"))
    made["hf-datasets"] = len(ds)
    print(json.dumps(made))


def compare(out):
    results = {}
    for name in sorted(f[:-len(".parquet")] for f in os.listdir(out) if f.endswith(".parquet")):
        table = pq.read_table(os.path.join(out, name + ".parquet"), use_threads=False)
        expected = table_rows(table)
        path = os.path.join(out, name + ".jupiter.jsonl")
        got = []
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                got = [canon_json(json.loads(line, parse_float=D)) for line in f if line.strip()]
        results[name] = report(expected, got)
    print(json.dumps(results))


def formats(fixtures, out):
    os.makedirs(out, exist_ok=True)
    made = {}
    for fmt in ["openai-messages", "sharegpt", "alpaca", "documents", "parallel-jsonl", "openai-evals", "culturebank"]:
        with open(os.path.join(fixtures, fmt, "input.jsonl"), encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        kept = []
        for row in rows:  # rows whose field types conflict with earlier ones cannot share a table
            try:
                pa.Table.from_pylist(kept + [row])
                kept.append(row)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                pass
        table = pa.Table.from_pylist(kept)
        pq.write_table(table, os.path.join(out, fmt + ".parquet"))
        back = pq.read_table(os.path.join(out, fmt + ".parquet")).to_pylist()
        with open(os.path.join(out, fmt + ".jsonl"), "w", encoding="utf-8") as f:
            for row in back:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        made[fmt] = len(back)
    print(json.dumps(made))


def unsupported(out):
    os.makedirs(out, exist_ok=True)
    table = pa.table({"id": pa.array(["a", "b"]),
                      "wide": pa.array([D("1.5"), D("-2.25")], pa.decimal256(50, 2))})
    pq.write_table(table, os.path.join(out, "wide-decimal.parquet"))
    pq.write_table(pa.table({"text": pa.array(["x", "y"])}), os.path.join(out, "lz4.parquet"), compression="lz4")
    print(json.dumps({"wide-decimal": 2, "lz4": 2}))


def check(path, rows_path):
    table = pq.read_table(path, use_threads=False)
    with open(rows_path, encoding="utf-8") as f:
        expected = [canon_json(json.loads(line, parse_float=D)) for line in f if line.strip()]
    got = table_rows(table)
    r = report(expected, got)
    r["schema"] = ["%s: %s" % (f.name, f.type) for f in table.schema]
    r["row_groups"] = pq.ParquetFile(path).num_row_groups
    print(json.dumps(r))


def drop_nulls(v):
    if isinstance(v, dict):
        return {k: drop_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [drop_nulls(x) for x in v]
    return v


def load(folder, nulls):
    import datasets
    ds = datasets.load_dataset(folder, split="train")
    for row in ds:
        print(json.dumps(row if nulls else drop_nulls(row), ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "cases":
        write_cases(sys.argv[2])
    elif cmd == "compare":
        compare(sys.argv[2])
    elif cmd == "formats":
        formats(sys.argv[2], sys.argv[3])
    elif cmd == "unsupported":
        unsupported(sys.argv[2])
    elif cmd == "check":
        check(sys.argv[2], sys.argv[3])
    elif cmd == "load":
        load(sys.argv[2], nulls="--drop-nulls" not in sys.argv[3:])
    else:
        sys.exit("unknown command " + cmd)
