"""urtperf export (scripts/export_metrics.py) - urt-bench/1 results in the formats existing dashboards read.

    export_metrics.py --format bmf          RESULTS.json [-o OUT.json]
    export_metrics.py --format gab-bigger   RESULTS.json [-o OUT.json]
    export_metrics.py --format gab-smaller  RESULTS.json [-o OUT.json]

bmf          Bencher Metric Format: {"<benchmark>": {"throughput": {...}, "latency": {...}}}
             throughput = ops/s, latency = mean ns per operation; value is the
             median over repeats, lower_value/upper_value the min and max.
gab-bigger   github-action-benchmark tool "customBiggerIsBetter": one entry per
             configuration, ops/s.
gab-smaller  github-action-benchmark tool "customSmallerIsBetter": mean, p50 and
             p99 latency in ns per configuration.

A benchmark is named after its configuration, e.g. "nop/urt/qd32/batch32/cb1/bs4096/t1".
Latencies a backend could not measure (null) are left out, never written as 0.
Output goes to stdout, or to -o (checked before the input is read, written
only once the whole input is valid; an existing file is refused unless --force).
Exit status: 0, or 2 on bad input or when no result has a value to export.
"""
import json
import statistics
import sys

from .cli import BadInput, check_output_file, write_file_atomically
from .compare import CONFIG_KEYS, OneLineParser, config_key, load_bench, net_suffix


def bench_name(key):
    d = dict(zip(CONFIG_KEYS, key))
    return (f"{d['workload']}/{d['backend']}/qd{d['qd']}/batch{d['batch']}/cb{d['complete_batch']}"
            f"/bs{d['bs']}/t{d['threads']}") + net_suffix(key, "/")


def grouped(doc):
    groups = {}
    for r in doc["results"]:
        groups.setdefault(config_key(r), []).append(r)
    return groups


def values(results, read):
    out = []
    for r in results:
        v = read(r)
        if v is not None:
            out.append(float(v))
    return out


def lat(field):
    return lambda r: (r.get("lat_ns") or {}).get(field)


def measure(vals):
    return {"value": statistics.median(vals), "lower_value": min(vals), "upper_value": max(vals)}


def to_bmf(doc):
    out = {}
    for key, results in grouped(doc).items():
        entry = {}
        iops = values(results, lambda r: r.get("iops"))
        if iops:
            entry["throughput"] = measure(iops)
        mean = values(results, lat("mean"))
        if mean:
            entry["latency"] = measure(mean)
        if entry:
            out[bench_name(key)] = entry
    return out


def extra(results):
    n = len(results)
    return f"{n} repeat{'s' if n != 1 else ''}; median shown"


def to_gab_bigger(doc):
    out = []
    for key, results in grouped(doc).items():
        iops = values(results, lambda r: r.get("iops"))
        if iops:
            item = {"name": bench_name(key), "unit": "ops/s", "value": statistics.median(iops),
                    "extra": extra(results)}
            if len(iops) > 1:
                item["range"] = f"{min(iops):.0f} .. {max(iops):.0f}"
            out.append(item)
    return out


def to_gab_smaller(doc):
    out = []
    for key, results in grouped(doc).items():
        for field in ("mean", "p50", "p99"):
            vals = values(results, lat(field))
            if vals:
                item = {"name": f"{bench_name(key)} latency {field}", "unit": "ns",
                        "value": statistics.median(vals), "extra": extra(results)}
                if len(vals) > 1:
                    item["range"] = f"{min(vals):.0f} .. {max(vals):.0f}"
                out.append(item)
    return out


FORMATS = {"bmf": to_bmf, "gab-bigger": to_gab_bigger, "gab-smaller": to_gab_smaller}


def main(argv):
    p = OneLineParser(description="Export urt-bench/1 results for Bencher or github-action-benchmark.")
    p.add_argument("results", metavar="RESULTS.json")
    p.add_argument("--format", required=True, choices=sorted(FORMATS))
    p.add_argument("-o", "--output", help="write here instead of stdout")
    p.add_argument("--force", action="store_true", help="overwrite an existing -o file")
    args = p.parse_args(argv)
    if args.output:
        check_output_file(args.output, args.force, inputs=(args.results,))
    doc = load_bench(args.results)
    if not doc["results"]:
        raise BadInput(f"{args.results}: no results to export")
    exported = FORMATS[args.format](doc)
    if not exported:
        raise BadInput(f"{args.results}: no result has a value for --format {args.format}; nothing exported")
    text = json.dumps(exported, indent=2) + "\n"
    if args.output:
        write_file_atomically(args.output, text)
    else:
        sys.stdout.write(text)
    return 0
