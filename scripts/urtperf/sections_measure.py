"""The report's opening: how sure it is, who wins where, against which
baselines, in what context, and what a reader would otherwise miss."""

from . import model, style, verdict
from .blocks import Note, Para, Section, Table


def banner(points):
    """The "indicative" warning when a configuration has too few samples."""
    n = verdict.min_samples(points)
    if n >= verdict.MIN_SAMPLES:
        return None
    return Section("indicative", f"Indicative, n={n}").add(Note(
        f"Indicative, n={n}: some configurations have only {n} sample{'s' if n != 1 else ''} "
        f"(at least {verdict.MIN_SAMPLES} are needed for the verdicts below to carry a 95 % interval "
        "that means something). Read the numbers as a direction, not a result."))


def _where(workload, bs):
    return workload if workload == "nop" or bs is None else f"{workload} {style.size(bs)}"


def verdict_section(points):
    section = Section("verdicts", "Verdicts")
    rows = verdict.table(points)
    if not rows:
        return section.add(Note("No configuration with a queue depth: nothing to rank."))
    out = []
    for r in rows:
        m = r.margin
        if r.runner_up is None:
            margin, who = "only backend", r.winner.backend
        elif m is None:
            margin, who = "no interval (fewer than 2 samples)", r.winner.backend
        elif m.decision == "no difference":
            margin, who = f"{m.text()} — no difference", f"{r.winner.backend} ≈ {r.runner_up.backend}"
        else:
            margin, who = m.text(), r.winner.backend
        out.append([_where(r.workload, r.bs), r.regime, r.batch_label, who,
                    r.runner_up.backend if r.runner_up else "–", margin,
                    style.si(r.winner.iops), "; ".join(r.flags) or "–"])
    section.add(Para("Who is fastest in each regime, by how much over the runner-up, and how sure: the "
                     "margin is the Hodges–Lehmann estimate of winner ÷ runner-up ops/s with its 95 % "
                     "distribution-free interval (scripts/compare.py). Where the interval contains 1.00 the "
                     "samples cannot tell the two apart and the row says “no difference”."),
                Table(["workload", "regime", "batch", "winner", "runner-up", "margin [95 % interval]",
                       "winner ops/s (median)", "flags"], out,
                      [False, False, False, False, False, True, True, False]),
                Note("Regimes: the smallest, a middle and the largest queue depth run; “batched” is the "
                     "largest submit batch. A backend without a queue depth (psync: one operation at a time) "
                     "competes only at the smallest. Flags: the samples' spread (max−min over median) "
                     "exceeds the effect, or a curve drops by more than 5 % as queue depth grows."))
    return section


def baselines_section(points):
    section = Section("baselines", "Against the baselines: raw and raw-bare")
    rows = verdict.baseline_rows(points)
    if not rows:
        return section.add(Note("raw and raw-bare were not both run: no baseline ratios."))
    section.add(Para("raw is a bare liburing loop timed the way the runtime is (one operation in "
                     "lat_sample); raw-bare is the same loop timing nothing: the kernel's limit for these "
                     "knobs. urt ÷ raw is the runtime's cost; raw ÷ raw-bare is the harness's own. Each ratio: "
                     "Hodges–Lehmann estimate [95 % interval]."))
    pairs = [f"{a} ÷ {b}" for a, b in verdict.PAIRS]
    pairs = [p for p in pairs if any(r[4] == p for r in rows)]
    table = {}
    for w, bs, regime, blabel, pair, ratio in rows:
        table.setdefault((_where(w, bs), regime, blabel), {})[pair] = ratio

    def cell(ratio):
        if ratio is None:
            return "–"
        mark = {"b faster": " ▲", "a faster": " ▼"}.get(ratio.decision, "")
        return ratio.text() + mark
    out = [[*key, *(cell(ratios.get(p)) for p in pairs)] for key, ratios in table.items()]
    section.add(Table(["workload", "regime", "batch", *pairs], out, [False] * 3 + [True] * len(pairs)),
                Note("▲ / ▼: the whole 95 % interval lies above / below 1.00 (a real difference); no mark: the "
                     "samples cannot tell the two apart."))
    return section


def _fmt_load(load):
    return "–" if not load else " / ".join(f"{x:.2f}" for x in load)


def context_section(bench):
    ctx = bench.get("context") or {}
    timing = bench.get("timing") or {}
    meta = bench.get("meta") or {}
    section = Section("context", "Context")
    if not ctx and not timing:
        return section.add(Note("These results predate the harness's context record (urt-bench writes "
                                "\"context\" and \"timing\" since issue 11)."))
    vm = ctx.get("vm")
    rows = [["load average before (1/5/15 min)", _fmt_load(ctx.get("load_before"))],
            ["load average after", _fmt_load(ctx.get("load_after"))],
            ["CPUs", f"{meta.get('cores', '?')} online"],
            ["pinning", "none (the scheduler placed threads)" if not ctx.get("cpus")
             else f"CPUs {ctx['cpus']}: {ctx.get('pinning')}"],
            ["virtual machine", "unknown" if vm is None else ("yes" if vm else "no")
             + (f" ({ctx['vm_hint']})" if ctx.get("vm_hint") else "")],
            ["CPU frequency governor", ctx.get("governor") or "not readable (none exposed)"],
            ["clock source", ctx.get("clocksource") or "unknown"],
            ["clock", f"{timing.get('clock', '?')}, {timing.get('clock_cost_ns', '?')} ns per read (measured)"],
            ["latency sampling", f"one operation in {timing.get('lat_sample', '?')} while operations take "
                                 "under 4 µs, every one above"],
            ["interval log", f"{timing['interval_ms']} ms" if timing.get("interval_ms") else "off"],
            ["latency split (urt, urt-futures)",
             "on: while a sampled operation is in flight the runtime backends read the runtime's stats "
             "per operation (and the clock once per reap) to split kernel time from run-queue wait, a "
             "cost raw does not pay; unsampled operations otherwise pay nothing for it (urt-bench "
             "--no-split removes it; bench/targets.sh T1 against T1' shows its size)"
             if any(r.get("split") and r.get("backend") in ("urt", "urt-futures")
                    for r in bench.get("results") or ()) else "off"],
            ["percentiles", "upper bound of the histogram bucket holding that rank (< 0.8 % wide), over the "
                            "histogram merged across threads and samples: one definition everywhere"]]
    section.add(Table(["", "value"], rows))
    load = ctx.get("load_before") or []
    cores = meta.get("cores")
    if load and isinstance(cores, int) and load[0] > cores:
        section.add(Note(f"The machine was busy: load {load[0]:.1f} on {cores} CPUs before the run. Absolute "
                         "numbers are low and noisy; same-run ratios with intervals are what to read."))
    return section


def observations(points, comparison=None, hyperfines=()):
    section = Section("observations", "Observations")
    items = []
    lines = {}
    for p in points:
        if p.qd is not None:
            lines.setdefault((p.workload, p.bs, p.backend, p.batch), []).append(p)
    for (w, bs, backend, batch), line in sorted(lines.items(), key=lambda kv: (
            model.workload_rank(kv[0][0]), kv[0][1] or 0, model.backend_rank(kv[0][2]), kv[0][3] or 0)):
        for before, after, lost in verdict.non_monotonic(line):
            items.append(f"{_where(w, bs)}, {backend} {style.batch_label(batch)}: ops/s fall {lost:.0%} from "
                         f"qd {before} to qd {after}; more depth should not cost throughput, so suspect noise "
                         "(see the stability figure) before a real effect.")
    groups = {}
    for p in points:
        groups.setdefault((p.workload, p.bs), []).append(p)
    for (w, bs), pts in groups.items():
        runtime = [p for p in pts if p.backend in ("urt", "urt-futures")]
        for base in ("psync", "raw", "raw-bare"):
            for b in model.select(pts, backend=base):
                for r in runtime:
                    if base != "psync" and (r.qd != b.qd or r.batch != b.batch):
                        continue
                    if base == "psync" and r.qd != min(q.qd for q in runtime if q.qd is not None):
                        continue
                    rt = verdict.ratio(b.iops_samples, r.iops_samples)
                    if rt and rt.decision == "a faster" and base == "psync":
                        items.append(f"{_where(w, bs)}: psync (blocking, one at a time) beats {r.backend} at "
                                     f"qd {r.qd}, {style.batch_label(r.batch)}: {r.backend} ÷ psync = "
                                     f"{rt.text()}. At qd 1 a ring adds work without overlap to gain.")
                    elif rt and rt.decision == "a faster" and base == "raw" and rt.high < 0.95:
                        items.append(f"{_where(w, bs)}: {r.backend} is below raw at qd {r.qd}, "
                                     f"{style.batch_label(r.batch)}: {rt.text()}.")
                    elif rt and rt.decision == "b faster" and base == "raw":
                        items.append(f"{_where(w, bs)}: {r.backend} beats raw at qd {r.qd}, "
                                     f"{style.batch_label(r.batch)} ({rt.text()}): a runtime cannot beat the "
                                     "loop it is built on by design, so this is noise or a difference in "
                                     "what each measures.")
    if comparison is not None:
        for ch in comparison.regressions + comparison.improvements:
            items.append(f"{ch.now.backend} {_where(ch.now.workload, ch.now.bs)} qd {ch.now.qd}: "
                         f"{ch.iops_change:+.0%} against the previous baseline, outside its noise band.")
    for path, doc in hyperfines:
        if any(r.get("command", "").lstrip().split(" ")[0] == "cp" for r in doc["results"]):
            items.append("cp copies with one copy_file_range call, entirely in the kernel; urt-cp's default "
                         "splice path stays in the kernel too, while a read/write loop (urt-cp --method rw, "
                         "dd) cannot match it: that gap is the copy through user space, not the runtime.")
            break
    if not items:
        items.append("Nothing unusual: every curve rises with queue depth and no baseline beats the runtime.")
    section.add(Para("What a reader would otherwise miss, found automatically:"))
    for text in items:
        section.add(Note(text))
    return section
