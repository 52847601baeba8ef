#!/usr/bin/env python3
"""Peer programs for Benchmarks/readers.sh: read a tickets file, print every record as one NDJSON line.

usage: read_to_ndjson.py TOOL FORMAT FILE > out
  TOOL   polars | duckdb | pysimdjson | orjson
  FORMAT csv | json (the wrapped array {"tickets": [...]}) | ndjson

Each peer does it the fastest way it offers: polars and duckdb with their own NDJSON writers (polars streaming
CSV and NDJSON from scan_* to sink_ndjson; its JSON reader has no streaming mode), pysimdjson and orjson
parsing with their parser and writing each record with orjson.dumps (the fastest Python serializer; pysimdjson
has none). Output goes to stdout, as cstar-io's does.
"""
import sys

tool, fmt, path = sys.argv[1], sys.argv[2], sys.argv[3]
out = sys.stdout.buffer

if tool == "polars":
    import polars as pl
    if fmt == "csv":
        pl.scan_csv(path, infer_schema=False).sink_ndjson("/dev/stdout")
    elif fmt == "ndjson":
        pl.scan_ndjson(path, infer_schema_length=None).sink_ndjson("/dev/stdout")
    else:
        pl.read_json(path).select(pl.col("tickets").explode()).unnest("tickets").write_ndjson(out)
elif tool == "duckdb":
    import duckdb
    con = duckdb.connect()
    source = {
        "csv": f"SELECT * FROM read_csv('{path}', all_varchar = true)",
        "ndjson": f"SELECT * FROM read_json('{path}', format = 'newline_delimited')",
        "json": f"SELECT unnest(tickets, recursive := true) FROM read_json('{path}', maximum_object_size = 4000000000)",
    }[fmt]
    con.execute(f"COPY ({source}) TO '/dev/stdout' (FORMAT json)")
elif tool == "pysimdjson":
    import simdjson, orjson
    parser = simdjson.Parser()
    if fmt == "json":
        doc = parser.load(path)
        for record in doc["tickets"]:
            out.write(orjson.dumps(record.as_dict()))
            out.write(b"\n")
    else:
        with open(path, "rb") as f:
            for line in f:
                if line.strip():
                    out.write(orjson.dumps(parser.parse(line).as_dict()))
                    out.write(b"\n")
elif tool == "orjson":
    import orjson
    if fmt == "json":
        with open(path, "rb") as f:
            doc = orjson.loads(f.read())
        for record in doc["tickets"]:
            out.write(orjson.dumps(record))
            out.write(b"\n")
    else:
        with open(path, "rb") as f:
            for line in f:
                if line.strip():
                    out.write(orjson.dumps(orjson.loads(line)))
                    out.write(b"\n")
else:
    sys.exit(f"unknown tool {tool}")
out.flush()
