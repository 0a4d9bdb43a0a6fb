"""Neutral report content: sections made of paragraphs, tables, figures, notes.

sections.py decides what the report says; render.py decides how it looks in
HTML and in Markdown.  Keeping them apart means both outputs always say the same.
"""

from dataclasses import dataclass, field


@dataclass
class Para:
    text: str


@dataclass
class Note:
    """A remark set apart from the text, e.g. why a figure was skipped."""
    text: str


@dataclass
class Table:
    headers: list
    rows: list
    numeric: list = None      # per column: right-align numbers
    caption: str = ""
    collapsed: bool = False   # long reference tables: folded in HTML, shown in Markdown


@dataclass
class Image:
    figure: object            # figset.Figure


@dataclass
class Code:
    text: str


@dataclass
class Section:
    id: str
    title: str
    blocks: list = field(default_factory=list)
    level: int = 2

    def add(self, *blocks):
        self.blocks.extend(blocks)
        return self
