"""urtperf compare - did NEW get slower than BASE?  A verdict with statistics.

    python3 -m urtperf compare [options] BASE.json NEW.json   (or scripts/compare.py)

Both files are urt-bench/1 results (or both hyperfine --export-json files).
Results are grouped by configuration (backend, workload, qd, batch,
complete_batch, bs, threads); the samples of a group are its repeats.

With at least 2 samples on each side a configuration gets:
  - the relative change of the median,
  - a Hodges-Lehmann confidence interval for that change (on the log scale,
    so it reads as a ratio),
  - a two-sided Mann-Whitney U p-value (exact for small n, with ties by the
    permutation distribution of the midranks; normal approximation with tie
    correction otherwise).
It is a REGRESSION when it got worse by more than the threshold (default 3 %)
and p < alpha (default 0.01).  With fewer samples only a plain ratio table is
printed, flagged "no statistics", and nothing is called a regression.
Configurations in only one file, or with too few samples on a side for the
test used to ever reach p < alpha (fewer than 5 at the default alpha), are
not judged; their counts are printed.  "no regression" speaks only of the
judged configurations, and a comparison that judged none exits 2.  A result
that ran (iops not null) but lacks the metric (e.g. no lat_ns for --metric
lat_p99) is bad input, not a dropped sample.

Exit status: 0 no regression among the judged configurations, 1 regression,
2 bad input or nothing judged.
Standard library only.
"""
import math
import statistics
import sys

from . import schema
from .cli import BadInput, InputError, load_json  # noqa: F401  (BadInput, load_json: the gates' names)
from .cli import OneLineArgumentParser as OneLineParser

BENCH_SCHEMA = "urt-bench/1"
CONFIG_KEYS = ("backend", "workload", "qd", "batch", "complete_batch", "bs", "threads")

# metric name -> (how to read it from one urt-bench result, bigger is better, unit)
BENCH_METRICS = {
    "iops": (lambda r: r.get("iops"), True, "ops/s"),
    "mib_s": (lambda r: r.get("mib_s"), True, "MiB/s"),
    "lat_mean": (lambda r: (r.get("lat_ns") or {}).get("mean"), False, "ns"),
    "lat_p50": (lambda r: (r.get("lat_ns") or {}).get("p50"), False, "ns"),
    "lat_p99": (lambda r: (r.get("lat_ns") or {}).get("p99"), False, "ns"),
    "lat_p999": (lambda r: (r.get("lat_ns") or {}).get("p999"), False, "ns"),
}


def load_schema_doc(path, schema, missing_hint=""):
    """A JSON object whose "schema" must be `schema` (the gates' baselines)."""
    try:
        doc = load_json(path)
    except BadInput as e:
        if missing_hint and str(e).endswith("no such file"):
            raise BadInput(f"{path}: no such file ({missing_hint})")
        raise
    if not isinstance(doc, dict) or doc.get("schema") != schema:
        raise BadInput(f"{path}: not a {schema} file")
    return doc


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def check_bench(doc, path):
    """A urt-bench/1 document by its committed schema (schema.py)."""
    if not isinstance(doc, dict) or doc.get("schema") != BENCH_SCHEMA:
        raise BadInput(f"{path}: not a {BENCH_SCHEMA} file (schema is {doc.get('schema')!r})"
                       if isinstance(doc, dict) else f"{path}: not a {BENCH_SCHEMA} file")
    return schema.check(doc, path, BENCH_SCHEMA)


def load_bench(path):
    return check_bench(load_json(path), path)


def is_hyperfine(doc):
    res = doc.get("results") if isinstance(doc, dict) else None
    return (isinstance(res, list) and bool(res) and isinstance(res[0], dict)
            and "command" in res[0] and "times" in res[0])


# The network workloads' cells also differ by connections and offered rate
# (bench/README.md, "Network workloads"): appended to their keys only, so
# file-workload keys and names stay as they were.
NET_WORKLOADS = ("echo", "stream")


def config_key(r):
    key = tuple(r[k] for k in CONFIG_KEYS)
    if r.get("workload") in NET_WORKLOADS:
        key += (r.get("conns"), r.get("rate"))
    return key


def net_suffix(key, sep=" "):
    """' c16' / ' c16 r2000' for a network key, '' otherwise."""
    if len(key) <= len(CONFIG_KEYS):
        return ""
    conns, rate = key[len(CONFIG_KEYS):]
    return f"{sep}c{conns}" + (f"{sep}r{rate:g}" if rate else "")


def config_name(key):
    d = dict(zip(CONFIG_KEYS, key))
    name = f"{d['backend']} {d['workload']} qd{d['qd']} b{d['batch']}/{d['complete_batch']} bs{d['bs']}"
    return name + (f" t{d['threads']}" if d["threads"] != 1 else "") + net_suffix(key)


def bench_samples(doc, path, metric):
    """{config key: [value per repeat]}, in first-seen order.

    A result whose iops is null did not run (a backend that is unavailable):
    it contributes no sample.  A result that ran but lacks the metric is bad
    input: dropping its sample would silently move the median."""
    read, _, _ = BENCH_METRICS[metric]
    groups = {}
    seen = {}
    for i, r in enumerate(doc["results"]):
        groups.setdefault(config_key(r), [])
        # The same repeat twice (a file concatenated with itself) would count
        # one measurement as several independent samples and fake significance.
        first = seen.setdefault((config_key(r), r["repeat"]), i)
        if first != i:
            raise BadInput(f"{path}: results[{i}] ({config_name(config_key(r))}) repeats repeat "
                           f"{r['repeat']} of results[{first}]: duplicated results")
        if r.get("iops") is None:
            continue
        if metric.startswith("lat_"):
            lat = r.get("lat_ns", "missing")
            field = metric[len("lat_"):]
            if lat is None:
                continue  # a backend that cannot time operations records null (never 0)
            if not isinstance(lat, dict) or field not in lat:
                what = "has no 'lat_ns'" if lat == "missing" else (
                    "has a 'lat_ns' that is not an object" if not isinstance(lat, dict)
                    else f"has no lat_ns.{field}")
                raise BadInput(f"{path}: results[{i}] ({config_name(config_key(r))}, repeat "
                               f"{r['repeat']}) {what}: cannot compare {metric}")
        v = read(r)
        if v is None:
            raise BadInput(f"{path}: results[{i}] ({config_name(config_key(r))}, repeat "
                           f"{r['repeat']}) has no {metric} value")
        if not is_number(v) or v < 0:
            raise BadInput(f"{path}: results[{i}] has a bad {metric} value {v!r}")
        groups[config_key(r)].append(float(v))
    return groups


def hyperfine_samples(doc, path):
    groups = {}
    for i, r in enumerate(doc["results"]):
        if not isinstance(r, dict) or not isinstance(r.get("command"), str):
            raise BadInput(f"{path}: results[{i}] has no command")
        times = r.get("times")
        if not isinstance(times, list) or not all(is_number(t) and t >= 0 for t in times):
            raise BadInput(f"{path}: results[{i}].times must be a list of non-negative numbers")
        groups.setdefault(r["command"], []).extend(float(t) for t in times)
    return groups


def load_samples(path, metric):
    """(groups, bigger_is_better, unit, name_of_key, kind) for one input file."""
    doc = load_json(path)
    if is_hyperfine(doc):
        return hyperfine_samples(doc, path), False, "s", str, "hyperfine"
    if metric not in BENCH_METRICS:
        raise BadInput(f"unknown metric '{metric}' (one of {', '.join(BENCH_METRICS)})")
    check_bench(doc, path)
    _, bigger, unit = BENCH_METRICS[metric]
    return bench_samples(doc, path, metric), bigger, unit, config_name, "urt-bench"


# ---------------------------------------------------------------------------
# Statistics

def ranks_with_ties(values):
    """Average ranks (1-based) and the tie sizes."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    ties = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        avg = (i + j) / 2 + 1
        for k in range(i, j + 1):
            ranks[order[k]] = avg
        if j > i:
            ties.append(j - i + 1)
        i = j + 1
    return ranks, ties


def u_distribution(n1, n2):
    """Number of orderings giving each U, for n1 vs n2 samples without ties.

    Uses the recurrence on where the largest value sits: it belongs to the
    first sample (adding n2 to U) or to the second (adding nothing)."""
    # table[j] = counts for (i, j) as i grows; counts are polynomials in U.
    prev = [[1] for _ in range(n2 + 1)]  # i = 0: U is 0 whatever j
    for i in range(1, n1 + 1):
        cur = [[1]]  # j = 0: U is 0
        for j in range(1, n2 + 1):
            a = prev[j]          # largest in sample 1: U += j
            b = cur[j - 1]       # largest in sample 2: U unchanged
            size = max(len(a) + j, len(b))
            c = [0] * size
            for u, cnt in enumerate(a):
                c[u + j] += cnt
            for u, cnt in enumerate(b):
                c[u] += cnt
            cur.append(c)
        prev = cur
    return prev[n2]


EXACT_LIMIT = 25  # per side; the table grows as n1*n2 and stays cheap here


TIES_EXACT_LIMIT = 12  # per side: the exact test with ties enumerates rank sums


def tied_rank_sum_distribution(ranks, n1):
    """{2 x rank sum of n1 of the ranks: number of subsets giving it}.

    The exact (permutation) distribution of the rank sum given the observed
    midranks, so ties are handled exactly; doubled ranks are integers."""
    counts = [dict() for _ in range(n1 + 1)]
    counts[0][0] = 1
    for i, r in enumerate(ranks):
        r2 = int(round(2 * r))
        for k in range(min(i + 1, n1), 0, -1):
            into = counts[k]
            for s, c in counts[k - 1].items():
                into[s + r2] = into.get(s + r2, 0) + c
    return counts[n1]


def mw_method(n1, n2, ties):
    if n1 <= EXACT_LIMIT and n2 <= EXACT_LIMIT and not ties:
        return "exact"
    if n1 <= TIES_EXACT_LIMIT and n2 <= TIES_EXACT_LIMIT:
        return "exact (ties)"
    return "normal"


def _normal_p(u1, n1, n2, ties):
    n = n1 + n2
    tie_term = sum(t ** 3 - t for t in ties) / (n * (n - 1))
    var = n1 * n2 / 12 * ((n + 1) - tie_term)
    if var <= 0:  # every value identical: no evidence of any difference
        return 1.0
    mu = n1 * n2 / 2
    diff = abs(u1 - mu) - 0.5  # continuity correction
    z = max(diff, 0.0) / math.sqrt(var)
    return math.erfc(z / math.sqrt(2))


def mann_whitney(a, b):
    """Two-sided Mann-Whitney U test.  Returns (U of a, p, method).

    Exact for small n: from the U distribution without ties, from the
    permutation distribution of the midrank sum with ties (the normal
    approximation is poor there and its p can never reach 0.01 at 5 a side,
    which once made a 48 % drop 'no significant change').  Normal
    approximation with tie correction for larger n."""
    n1, n2 = len(a), len(b)
    ranks, ties = ranks_with_ties(list(a) + list(b))
    u1 = sum(ranks[:n1]) - n1 * (n1 + 1) / 2
    method = mw_method(n1, n2, ties)
    if method == "exact":
        dist = u_distribution(n1, n2)
        total = sum(dist)
        u = int(round(u1))
        lower = sum(dist[:u + 1]) / total
        upper = sum(dist[u:]) / total
        return u1, min(1.0, 2 * min(lower, upper)), method
    if method == "exact (ties)":
        dist = tied_rank_sum_distribution(ranks, n1)
        total = sum(dist.values())
        obs = int(round(2 * sum(ranks[:n1])))
        lower = sum(c for s, c in dist.items() if s <= obs) / total
        upper = sum(c for s, c in dist.items() if s >= obs) / total
        return u1, min(1.0, 2 * min(lower, upper)), method
    return u1, _normal_p(u1, n1, n2, ties), method


def min_p_value(n1, n2):
    """The smallest two-sided p the exact test can give: 2 / C(n1+n2, n1)."""
    return min(1.0, 2 / math.comb(n1 + n2, n1))


def best_p_value(a, b):
    """The smallest p mann_whitney(a, b) could give with these sample sizes
    and these ties, with the method it uses: whether a configuration can be
    judged at all must follow the test actually run."""
    n1, n2 = len(a), len(b)
    ranks, ties = ranks_with_ties(list(a) + list(b))
    method = mw_method(n1, n2, ties)
    if method == "exact":
        return min_p_value(n1, n2)
    if method == "exact (ties)":
        dist = tied_rank_sum_distribution(ranks, n1)
        total = sum(dist.values())
        return min(1.0, 2 * min(dist[min(dist)], dist[max(dist)]) / total)
    return _normal_p(0.0, n1, n2, ties)


def normal_quantile(p):
    """Inverse of the standard normal CDF by bisection on erfc (enough here)."""
    lo, hi = -10.0, 10.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if 0.5 * math.erfc(-mid / math.sqrt(2)) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def hodges_lehmann(a, b, confidence):
    """Shift of log(b) against log(a): estimate and distribution-free CI.

    All pairwise differences log(b_j) - log(a_i); the estimate is their
    median.  The CI drops the k smallest and k largest differences, k being
    the Mann-Whitney critical count for the confidence: from the exact U
    distribution when mann_whitney() would use it too (no ties, small n), so
    the CI and the p-value agree, else from the normal approximation.
    Returned as ratios exp(.) of b to a."""
    if any(x <= 0 for x in a) or any(x <= 0 for x in b):
        return None
    d = sorted(math.log(y) - math.log(x) for x in a for y in b)
    m = len(d)
    n1, n2 = len(a), len(b)
    tail = (1 - confidence) / 2
    _, ties = ranks_with_ties(list(a) + list(b))
    if not ties and n1 <= EXACT_LIMIT and n2 <= EXACT_LIMIT:
        dist = u_distribution(n1, n2)
        total, k, cum = sum(dist), 0, 0
        while k < len(dist) and (cum + dist[k]) / total <= tail:
            cum += dist[k]
            k += 1
        # k values of U fall in each rejection tail; a shift is inside the CI
        # when at least k differences lie on either side of it.
        k -= 1
    else:
        z = normal_quantile(1 - tail)
        k = math.floor(n1 * n2 / 2 - z * math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12))
    k = max(0, min(k, (m - 1) // 2))
    return math.exp(statistics.median(d)), math.exp(d[k]), math.exp(d[m - 1 - k])


# ---------------------------------------------------------------------------
# Comparison

def compare_groups(base, new, bigger_is_better, threshold, alpha):
    """One row per configuration: dict with the numbers and the verdict."""
    rows = []
    keys = list(base) + [k for k in new if k not in base]
    for key in keys:
        a, b = base.get(key), new.get(key)
        row = {"key": key, "n_base": len(a or []), "n_new": len(b or [])}
        rows.append(row)
        if not a or not b:
            row["verdict"] = "only in NEW" if not a and b else (
                "only in BASE" if a and not b else "no data")
            continue
        ma, mb = statistics.median(a), statistics.median(b)
        row.update(median_base=ma, median_new=mb)
        row["change"] = (mb / ma - 1) if ma > 0 else math.nan
        # "worse" is signed so that a positive number always means slower.
        worse = -row["change"] if bigger_is_better else row["change"]
        if len(a) < 2 or len(b) < 2:
            row["stats"] = False
            row["verdict"] = ("beyond threshold (no statistics)" if abs(row["change"]) > threshold
                              else "within threshold (no statistics)")
            continue
        row["stats"] = True
        _, p, method = mann_whitney(a, b)
        row.update(p=p, method=method, min_p=best_p_value(a, b))
        row["ci"] = hodges_lehmann(a, b, 1 - alpha)
        if worse > threshold and p < alpha:
            row["verdict"] = "REGRESSION"
        elif -worse > threshold and p < alpha:
            row["verdict"] = "improvement"
        elif p < alpha:
            row["verdict"] = "significant, within threshold"
        else:
            row["verdict"] = "no significant change"
    return rows


def fmt_value(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.4g}"


def fmt_pct(x):
    return "-" if x is None or math.isnan(x) else f"{x * 100:+.2f} %"


def render_table(header, rows, markdown):
    if markdown:
        out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        out += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(out)
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]

    def line(cells):
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def report(rows, args, unit, bigger_is_better, name_of_key, kind):
    out = []
    h = "## " if args.markdown else ""
    out.append(f"{h}Benchmark comparison: {args.base} -> {args.new}")
    direction = "higher is better" if bigger_is_better else "lower is better"
    metric = "time per run" if kind == "hyperfine" else args.metric
    any_stats = any(r.get("stats") for r in rows)
    out.append("")
    out.append(f"metric: {metric} ({unit}, {direction}); change = median(NEW) / median(BASE) - 1")
    if any_stats:
        out.append(f"regression = worse by more than {args.threshold * 100:g} % with Mann-Whitney U "
                   f"p < {args.alpha:g}; CI: Hodges-Lehmann {100 * (1 - args.alpha):g} %")
    else:
        out.append("no statistics: fewer than 2 samples per configuration, plain ratio table "
                   "(run with --repeat N, N >= 5, for a verdict)")
    out.append("")
    header = ["configuration", "n", f"BASE ({unit})", f"NEW ({unit})", "change"]
    if any_stats:
        header += ["CI", "p", "verdict"]
    else:
        header += ["verdict"]
    table = []
    for r in rows:
        cells = [name_of_key(r["key"]), f"{r['n_base']}/{r['n_new']}",
                 fmt_value(r.get("median_base")), fmt_value(r.get("median_new")),
                 fmt_pct(r.get("change"))]
        if any_stats:
            ci = r.get("ci")
            cells.append(f"[{fmt_pct(ci[1] - 1)}, {fmt_pct(ci[2] - 1)}]" if ci else "-")
            cells.append(f"{r['p']:.4f}" if "p" in r else "-")
        verdict = r["verdict"]
        if r.get("stats") and r["min_p"] >= args.alpha and verdict == "no significant change":
            verdict += f" (n too small: p >= {r['min_p']:.3f} always)"
        cells.append(verdict)
        table.append(cells)
    out.append(render_table(header, table, args.markdown))
    regressions = [r for r in rows if r["verdict"] == "REGRESSION"]
    # With n samples a side the exact test cannot go below 2 / C(2n, n) (less
    # low still with ties, see best_p_value): with 2 repeats that is 0.33, so such a configuration can never be called a
    # regression and counts as not judged, like one without statistics.
    judged = [r for r in rows if r.get("stats") and r["min_p"] < args.alpha]
    unmatched = sum(1 for r in rows if r["verdict"] in ("only in BASE", "only in NEW"))
    too_few = sum(1 for r in rows if r.get("stats") is False or (r.get("stats") and r["min_p"] >= args.alpha))
    no_data = sum(1 for r in rows if r["verdict"] == "no data")
    out.append("")
    out.append(f"judged: {len(judged)} of {len(rows)} configurations; not judged: {unmatched} only in one "
               f"file, {too_few} with too few samples for p < {args.alpha:g}, {no_data} with no data")
    bold = "**" if args.markdown else ""
    if regressions:
        names = ", ".join(f"{name_of_key(r['key'])} ({fmt_pct(r['change'])})" for r in regressions)
        out.append(f"{bold}verdict: REGRESSION in {len(regressions)} of "
                   f"{len(judged)} judged configurations: {names}{bold}")
        status = 1
    elif judged:
        out.append(f"verdict: no regression ({len(judged)} configurations judged)")
        status = 0
    else:
        out.append(f"{bold}verdict: nothing judged: none of the {len(rows)} configurations has enough "
                   f"samples in both files to reach p < {args.alpha:g} (run with --repeat N, N >= 5){bold}")
        status = 2
    return "\n".join(out), status


def parse_args(argv):
    p = OneLineParser(description="Compare two urt-bench/1 (or hyperfine) JSON files.")
    p.add_argument("base", metavar="BASE.json", nargs="?")
    p.add_argument("new", metavar="NEW.json", nargs="?")
    p.add_argument("--check-args", action="store_true",
                   help="only validate the options and exit 0 (scripts/ab.sh calls this before building)")
    p.add_argument("--threshold", type=float, default=3.0,
                   help="noise threshold in percent: smaller changes are never regressions (default 3)")
    p.add_argument("--alpha", type=float, default=0.01, help="p-value below which a change counts (default 0.01)")
    p.add_argument("--metric", default="iops",
                   help="urt-bench metric: " + ", ".join(BENCH_METRICS) + " (default iops)")
    p.add_argument("--markdown", action="store_true", help="Markdown output, e.g. for $GITHUB_STEP_SUMMARY")
    args = p.parse_args(argv)
    if not (0 <= args.threshold < 100):
        raise BadInput(f"--threshold must be a percentage in [0, 100), got {args.threshold}")
    if not (0 < args.alpha < 1):
        raise BadInput(f"--alpha must be in (0, 1), got {args.alpha}")
    if args.metric not in BENCH_METRICS:
        raise BadInput(f"unknown metric '{args.metric}' (one of {', '.join(BENCH_METRICS)})")
    if not args.check_args and (args.base is None or args.new is None):
        raise BadInput("expected BASE.json and NEW.json (try --help)")
    args.threshold /= 100
    return args


def main(argv):
    args = parse_args(argv)
    if args.check_args:
        return 0
    base, bigger, unit, name_of_key, kind = load_samples(args.base, args.metric)
    new, _, _, _, kind_new = load_samples(args.new, args.metric)
    if kind != kind_new:
        raise BadInput(f"{args.base} is {kind} output but {args.new} is {kind_new} output")
    if not base:
        raise BadInput(f"{args.base}: no results")
    if not new:
        raise BadInput(f"{args.new}: no results")
    if kind == "hyperfine" and not set(base) & set(new) and len(base) == len(new):
        # Different command lines (e.g. two build directories): pair by position.
        new = {kb: new[kn] for kb, kn in zip(base, new)}
    rows = compare_groups(base, new, bigger, args.threshold, args.alpha)
    text, status = report(rows, args, unit, bigger, name_of_key, kind)
    print(text)
    if status == 2:
        print(f"compare.py: nothing judged: none of {len(rows)} configurations has enough samples "
              f"in both files to reach p < {args.alpha:g}", file=sys.stderr)
    return status
