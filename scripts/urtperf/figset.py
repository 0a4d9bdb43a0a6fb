"""Collects the figures a run produced and the ones it had to skip, with why."""

import re
from dataclasses import dataclass
from pathlib import Path

from .style import FIGURE_DPI


@dataclass
class Figure:
    name: str        # file name, e.g. throughput_randread.png
    path: Path
    title: str
    caption: str
    group: str       # which report section it belongs to


@dataclass
class Skipped:
    title: str
    reason: str
    group: str


def slug(text):
    return re.sub(r"[^A-Za-z0-9]+", "-", str(text)).strip("-").lower() or "x"


class FigureSet:
    def __init__(self, outdir):
        self.outdir = Path(outdir)
        self.figures = []
        self.skipped = []

    def save(self, fig, name, title, caption, group):
        import matplotlib.pyplot as plt
        self.outdir.mkdir(parents=True, exist_ok=True)
        path = self.outdir / name
        # Write beside and rename, so a crash never leaves half a PNG behind.
        tmp = path.with_name(f".{path.name}.tmp")
        fig.savefig(tmp, dpi=FIGURE_DPI, format="png")
        plt.close(fig)
        tmp.replace(path)
        self.figures.append(Figure(name, path, title, caption, group))

    def skip(self, title, reason, group):
        self.skipped.append(Skipped(title, reason, group))

    def in_group(self, group):
        return ([f for f in self.figures if f.group == group],
                [s for s in self.skipped if s.group == group])
