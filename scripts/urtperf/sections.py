"""What the report says, section by section, as neutral blocks (see blocks.py)."""

import datetime
from pathlib import Path

from . import model, style, verdict
from .blocks import Code, Image, Note, Para, Section, Table
from .inputs import FAULT_STATUSES

FIGURE_GROUPS = (
    ("main", "Latency against throughput (main figure)"),
    ("efficiency", "Efficiency: CPU, syscalls and batching"),
    ("throughput", "Throughput vs queue depth"),
    ("latency", "Latency percentiles vs queue depth"),
    ("heatmap", "Queue depth × batch size (runtime)"),
    ("cdf", "Latency distribution"),
    ("bandwidth", "Bandwidth vs buffer size"),
    ("split", "Kernel vs run-queue wait + resume"),
    ("ratio", "Ratio to raw liburing"),
    ("stability", "Stability over time (interval log)"),
)
META_KEYS = ("started", "host", "kernel", "cpu", "cores", "liburing", "git", "build")


def _fmt_meta(value):
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return "–" if value is None else str(value)


def _commands(meta):
    """The command lines that produced the results: argv, or one per part
    when a sweep merged several runs (argv_parts)."""
    parts = meta.get("argv_parts")
    if isinstance(parts, list) and parts and all(isinstance(p, list) for p in parts):
        return [_fmt_meta(p) for p in parts]
    argv = meta.get("argv")
    return [_fmt_meta(argv)] if argv else []


def environment(bench, results_path, faults=None):
    meta = bench.get("meta") or {}
    rows = [[key, _fmt_meta(meta.get(key))] for key in META_KEYS if key in meta]
    rows += [[key, _fmt_meta(value)] for key, value in meta.items()
             if key not in META_KEYS and key not in ("argv", "argv_parts") and not isinstance(value, dict)]
    rows.append(["results file", str(results_path)])
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows.append(["report generated", now])
    section = Section("environment", "Environment").add(Table(["", "value"], rows))
    if faults:
        fmeta = faults[1].get("meta") or {}
        if any(fmeta.get(k) not in (None, meta.get(k)) for k in ("host", "kernel", "git")):
            section.add(Note("The fault matrix comes from a different host, kernel or commit: "
                             f"host {fmeta.get('host')}, kernel {fmeta.get('kernel')}, git {fmeta.get('git')}."))
    return section


def _values(points, name):
    vals = model.distinct(points, name)
    if name == "bs":
        return ", ".join(style.size(v) for v in vals)
    return ", ".join("n/a" if v is None else str(v) for v in vals)


def configuration(bench, points, dropped):
    results = bench["results"]
    rows = [["workloads", ", ".join(model.workloads(points))],
            ["backends", ", ".join(model.backends(points))]]
    for name, label in (("qd", "queue depths"), ("batch", "submit batch (SQEs per submit)"),
                        ("complete_batch", "complete batch (CQEs waited for)"), ("bs", "buffer sizes"),
                        ("threads", "threads"), ("cache", "page cache")):
        if any(name in p.config for p in points):
            rows.append([label, _values(points, name)])
    for dim in model.varying_dims(points):
        if dim not in ("complete_batch", "threads", "cache"):
            rows.append([dim, _values(points, dim)])
    samples = sorted({p.samples for p in points})
    rows.append(["samples per configuration", ", ".join(map(str, samples)) +
                 " (median shown; min–max as whiskers)" if samples != [1] else "1"])
    seconds = [r["seconds"] for r in results if isinstance(r.get("seconds"), (int, float))]
    if seconds:
        lo, hi = min(seconds), max(seconds)
        rows.append(["seconds per sample", f"{lo:.3g}–{hi:.3g}" if f"{lo:.3g}" != f"{hi:.3g}" else f"{lo:.3g}"])
    rows.append(["results / configurations", f"{len(results)} / {len(points)}"])
    na = {}
    for r in results:
        for name in r.get("not_applicable") or ():
            na.setdefault(r["backend"], set()).add(name)
    if na:
        rows.append(["options not applicable",
                     "; ".join(f"{b}: {', '.join(sorted(v))}" for b, v in sorted(na.items()))])
    for key, what in (("skipped", "skipped by the harness"), ("failed", "failed in the harness")):
        entries = bench.get(key)
        if isinstance(entries, list) and entries:
            reasons = {}
            for entry in entries:
                if isinstance(entry, dict):
                    reason = f"{entry.get('backend', '?')}: {entry.get('reason') or entry.get('error') or '?'}"
                    reasons[reason] = reasons.get(reason, 0) + 1
            rows.append([f"configurations {what}", f"{len(entries)} (" + "; ".join(
                f"{r} ×{n}" for r, n in sorted(reasons.items())) + ")"])
    section = Section("configuration", "Configuration").add(Table(["", "value"], rows))
    commands = _commands(bench.get("meta") or {})
    if commands:
        section.add(Para("Command:" if len(commands) == 1 else "Commands:"), Code("\n".join(commands)))
    if dropped:
        section.add(Note(f"{dropped} results had no throughput (iops null) and were left out."))
    return section


def _groups(points):
    dims = model.varying_dims(points)
    groups = {}
    for p in points:
        groups.setdefault((p.workload, p.bs, model.variant_of(p, dims)), []).append(p)
    return groups


def _at(point):
    return f"{style.qd_label(point.qd)}, {style.batch_label(point.batch)}"


def _with_interval(value, ci):
    if value is None:
        return style.ratio(value)
    return f"{value:.2f}× [{ci.low:.2f}, {ci.high:.2f}]" if ci else style.ratio(value)


def headline(points):
    section = Section("headline", "Headline: peak per backend")
    rows, sentences = [], []
    any_fio = any(p.backend == "fio" for p in points)
    for (workload, bs, variant), pts in _groups(points).items():
        raw = model.peak(model.select(pts, backend="raw"))
        fio = model.peak(model.select(pts, backend="fio"))
        for backend in model.backends(pts):
            best = model.peak(model.select(pts, backend=backend))
            to_raw = best.iops / raw.iops if raw and raw.iops else None
            to_fio = best.iops / fio.iops if fio and fio.iops else None
            # Every ratio with its 95 % interval (Hodges-Lehmann over the samples).
            raw_ci = verdict.ratio(raw.iops_samples, best.iops_samples) if raw and raw is not best else None
            fio_ci = verdict.ratio(fio.iops_samples, best.iops_samples) if fio and fio is not best else None
            row = [workload, "–" if workload == "nop" else style.size(bs), backend,
                   style.si(best.iops), "–" if workload == "nop" or best.mib_s is None else f"{best.mib_s:,.0f}",
                   _at(best), style.duration_ns(best.lat.get("p99")),
                   _with_interval(to_raw, raw_ci)]
            if any_fio:
                row.append(_with_interval(to_fio, fio_ci))
            if variant:
                row.insert(3, style.variant_label(variant))
            rows.append(row)
            if backend == "urt" and to_raw is not None:
                where = workload if workload == "nop" else f"{workload} {style.size(bs)}"
                extra = f" and {_with_interval(to_fio, fio_ci)} fio" if to_fio is not None else ""
                sentences.append(f"{where}: urt peaks at {style.si(best.iops)} ops/s, "
                                 f"{_with_interval(to_raw, raw_ci)} raw{extra}.")
    headers = ["workload", "bs", "backend", "peak ops/s", "MiB/s", "at", "p99 at peak",
               "× raw peak [95 % interval]"]
    numeric = [False, False, False, True, True, False, True, True]
    if any_fio:
        headers.append("× fio peak [95 % interval]")
        numeric.append(True)
    if any(len(r) > len(headers) for r in rows):
        headers.insert(3, "variant")
        numeric.insert(3, False)
    if sentences:
        section.add(Para(" ".join(sentences)))
    section.add(Table(headers, rows, numeric),
                Note("Peak = the best median ops/s of each backend over all queue depths and batches "
                     "tried; a ratio divides the two peaks' medians (same workload and buffer size), and its "
                     "95 % interval is the Hodges–Lehmann one over the two peaks' samples."))
    return section


def _legend_text(points):
    colours = ", ".join(f"{b} {style.COLOUR_NAMES.get(style.backend_colour(b), style.backend_colour(b))}"
                        for b in model.backends(points))
    batches = [b for b in model.distinct(points, "batch") if b is not None]
    styles = "; ".join(f"{style.LINESTYLE_NAMES[style.batch_linestyle(b, batches)]} lines are batch {b}"
                       for b in batches)
    return (f"Each figure stands on its own. Colours are fixed per backend across all of them ({colours})"
            + (f"; {styles}." if len(batches) > 1 else "."))


def figures(figs, points):
    sections = [Section("figures", "Figures").add(Para(_legend_text(points)))]
    for group, title in FIGURE_GROUPS:
        made, skipped = figs.in_group(group)
        if not made and not skipped:
            continue
        section = Section(f"fig-{group}", title, level=3)
        for fig in made:
            section.add(Image(fig))
        for s in skipped:
            section.add(Note(f"Skipped “{s.title}”: {s.reason}."))
        sections.append(section)
    return sections


def knee_section(knees):
    section = Section("knee", "Knee finder: recommended queue depth and batch")
    if not knees:
        return section.add(Note("No configuration with a positive throughput: nothing to recommend."))
    fraction = knees[0].fraction
    section.add(Para(f"For each workload, buffer size and backend: the smallest queue depth, then the "
                     f"smallest batch, whose median throughput reaches {fraction:.0%} of that backend's "
                     "peak, and the p99 latency it costs there. Going past the knee mostly buys latency."))
    rows = []
    has_variant = any(k.variant for k in knees)
    for k in knees:
        row = [k.workload, "–" if k.workload == "nop" else style.size(k.bs), k.backend,
               "n/a" if k.knee.qd is None else str(k.knee.qd),
               "n/a" if k.knee.batch is None else str(k.knee.batch),
               style.si(k.knee.iops), f"{k.share_of_peak:.0%}", style.duration_ns(k.p99_at_knee),
               style.si(k.peak.iops), _at(k.peak), style.duration_ns(k.p99_at_peak), str(k.candidates)]
        if has_variant:
            row.insert(3, style.variant_label(k.variant))
        rows.append(row)
    headers = ["workload", "bs", "backend", "qd", "batch", "ops/s there", "of peak", "p99 there",
               "peak ops/s", "peak at", "p99 at peak", "configs"]
    numeric = [False, False, False, True, True, True, True, True, True, False, True, True]
    if has_variant:
        headers.insert(3, "variant")
        numeric.insert(3, False)
    # Kept as data: the latency-throughput figure marks the knees.
    section.add(Table(headers, rows, numeric, caption="Knee per backend", collapsed=True))
    single = [k for k in knees if k.candidates == 1]
    if single:
        section.add(Note(f"{len(single)} group(s) had a single configuration, so their knee is that "
                         "configuration: sweep more queue depths to get a recommendation."))
    return section


def _cell_injected(cell):
    return sum(v for v in (cell.get("faults_injected") or {}).values() if v)


def _num(value):
    return "–" if value is None else (f"{value:,}" if isinstance(value, int) else f"{value:g}")


def faults_section(faults, figs):
    section = Section("faults", "Fault matrix")
    if faults is None:
        return section.add(Note("Not run: pass --faults FAULTS.json (urt-faults output) to include it."))
    path, doc = faults
    cells = doc["cells"]
    from .figures_extra import NOT_EXERCISED, cell_outcome
    counted = {s: sum(c["status"] == s for c in cells) for s in FAULT_STATUSES}
    idle = sum(cell_outcome(c) == NOT_EXERCISED for c in cells)
    sums = {k: sum(c.get(k) or 0 for c in cells)
            for k in ("ops", "faulted_ops", "bytes_verified", "corrupted_bytes", "lost_ops", "doubled_ops")}
    verdict = ("every cell passed" if counted["pass"] == len(cells)
               else f"{counted['fail']} failed and {counted['hang']} hung out of {len(cells)} cells")
    if idle:
        verdict += (f"; {idle} of the passing cells were {NOT_EXERCISED} (no fault injected, so they show "
                    "nothing about the fault path)")
    section.add(Para(f"{len(cells)} cells from {path}: {verdict}. "
                     f"{sums['faulted_ops']:,} operations ran with a fault point enabled; "
                     f"{sums['bytes_verified']:,} bytes were verified, {sums['corrupted_bytes']:,} corrupted, "
                     f"{sums['lost_ops']:,} operations lost and {sums['doubled_ops']:,} doubled."))
    totals = doc.get("totals") or {}
    expected = list(sums.items()) + [("passed", counted["pass"]), ("failed", counted["fail"]),
                                     ("hangs", counted["hang"]), ("cells", len(cells))]
    mismatched = [k for k, v in expected if k in totals and totals[k] != v]
    if mismatched:
        section.add(Note("The file's totals disagree with its cells for: " + ", ".join(mismatched) +
                         "; the figures above are recomputed from the cells."))
    made, _ = figs.in_group("faults")
    for fig in made:
        section.add(Image(fig))
    bad = [c for c in cells if c["status"] != "pass"]
    if bad:
        section.add(Para("Cells that did not pass, and the command that replays each:"),
                    Table(["point", "workload", "probability", "failnum", "status", "reason"],
                          [[c["point"], c["workload"], _num(c.get("probability")), _num(c.get("failnum")),
                            c["status"].upper(), c.get("reason") or "–"] for c in bad]),
                    Code("\n".join(c.get("replay") or f"(no replay command for {c['point']} {c['workload']})"
                                   for c in bad)))
    rows = [[c["point"], c["workload"], _num(c.get("probability")), _num(c.get("failnum")), cell_outcome(c),
             _num(c.get("ops")),
             _num(c.get("faulted_ops")), _num(_cell_injected(c)), _num(c.get("retries")),
             _num(c.get("errors_surfaced")),
             f"{_num(c.get('op_errors_injected'))}/{_num(c.get('op_errors_delivered'))}",
             _num(c.get("corrupted_bytes")), _num(c.get("lost_ops")), _num(c.get("doubled_ops")),
             _num(c.get("seconds"))] for c in cells]
    section.add(Table(["point", "workload", "p", "failnum", "status", "ops", "faulted ops", "injected",
                       "retries", "errors surfaced", "op errors inj./deliv.", "corrupted B", "lost", "doubled",
                       "s"], rows, [False, False, True, True, False] + [True] * 10, caption="All cells",
                      collapsed=True))
    return section


def hyperfine_name(path):
    stem = Path(path).stem
    return stem[len("hyperfine_"):] if stem.startswith("hyperfine_") else stem


def hyperfine_section(hyperfines, figs):
    section = Section("hyperfine", "Command-level comparisons (hyperfine)")
    if not hyperfines:
        return section.add(Note("Not run: scripts/compare-commands.sh writes hyperfine JSON; pass it with "
                                "--hyperfine H.json."))
    made, _ = figs.in_group("hyperfine")
    by_name = {f.title: f for f in made}
    for path, doc in hyperfines:
        name = hyperfine_name(path)
        results = sorted(doc["results"], key=lambda r: r["mean"])
        fastest = results[0]["mean"]
        rows = []
        for r in results:
            sd = r.get("stddev")
            rows.append([r["command"], f"{style.duration_s(r['mean'])} ± {style.duration_s(sd)}"
                         if sd is not None else style.duration_s(r["mean"]),
                         style.duration_s(r.get("median")),
                         f"{style.duration_s(r.get('min'))} … {style.duration_s(r.get('max'))}",
                         style.duration_s(r.get("user")), style.duration_s(r.get("system")),
                         str(len(r["times"])) if r.get("times") else "–",
                         verdict.relative_text(results[0].get("times"), r.get("times"),
                                               r["mean"] / fastest if fastest else None)])
        sub = Section(f"hyperfine-{name}", f"{name} ({path})", level=3)
        sub.add(Table(["command", "mean ± σ", "median", "min … max", "user", "system", "runs",
                       "÷ fastest [95 % interval]"],
                      rows, [False, True, True, True, True, True, True, True]))
        fig = by_name.get(f"hyperfine: {name}")
        if fig:
            sub.add(Image(fig))
        if any(r["command"].lstrip().split(" ")[0] == "cp" for r in results):
            sub.add(Note("cp copies with a single copy_file_range call: the kernel moves the data without "
                         "it ever reaching user space. urt-cp's default (io_uring splice through a pipe) "
                         "stays in the kernel too; a read/write loop (urt-cp --method rw, dd) copies "
                         "through user space twice, so its gap to cp measures that, not the runtime's "
                         "overhead."))
        section.blocks.append(sub)
    return section


def _label(point):
    parts = [point.backend, point.workload]
    if point.workload != "nop":
        parts.append(f"bs {style.size(point.bs)}")
    parts += [style.qd_label(point.qd), style.batch_label(point.batch)]
    parts += [f"{k}={v}" for k, v in model.variant_items(point.config)
              if k not in ("cache", "threads", "complete_batch")]
    return " ".join(parts)


def _pct(value):
    return "–" if value is None else f"{value:+.1%}"


def baseline_section(comparison, baseline_path):
    section = Section("baseline", "Changes against the baseline")
    if comparison is None:
        return section.add(Note("No baseline given: pass --baseline BASE.json (an earlier urt-bench run)."))
    c = comparison
    if not c.changes:
        return section.add(Note(f"No configuration of this run is also in {baseline_path}: nothing to compare."))
    section.add(Para(f"{len(c.changes)} configurations compared with {baseline_path}; median change in ops/s "
                     f"{_pct(c.median_change)}; {len(c.regressions)} slower and {len(c.improvements)} faster "
                     f"by more than {c.threshold:.0%} (ranges over repeats must not overlap). "
                     f"{c.only_now} configurations only in this run, {c.only_base} only in the baseline."))
    flagged = c.regressions + c.improvements
    shown = flagged[:40] if flagged else sorted(c.changes, key=lambda x: -abs(x.iops_change))[:10]
    if not flagged:
        section.add(Note("Nothing moved beyond the threshold; the largest changes follow."))
    rows = [[_label(ch.now), style.si(ch.base.iops), style.si(ch.now.iops), _pct(ch.iops_change),
             style.duration_ns(ch.base.lat.get("p99")), style.duration_ns(ch.now.lat.get("p99")),
             _pct(ch.p99_change), ("slower" if ch.iops_change < 0 else "faster") if ch.flagged else ""]
            for ch in shown]
    section.add(Table(["configuration", "baseline ops/s", "now ops/s", "Δ ops/s", "baseline p99", "now p99",
                       "Δ p99", "flag"], rows, [False, True, True, True, True, True, True, False]))
    if len(flagged) > len(shown):
        section.add(Note(f"{len(flagged) - len(shown)} more flagged configurations not shown."))
    section.add(Note("For a statistical verdict (confidence intervals, Mann–Whitney U) use scripts/compare.py."))
    return section
