"""Write the report's sections as self-contained HTML and as Markdown.

HTML: one file, inline CSS, figures as base64 PNG data URIs, no external
asset or script, so it opens offline and survives being mailed around.
Markdown: for CI job summaries; tables plus relative links to the PNGs.
"""

import base64
import html
import os

from .blocks import Code, Image, Note, Para, Section, Table
from .style import FIGURE_DPI

CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;margin:0;color:#222;
background:#fafafa;line-height:1.45}
main{max-width:1400px;margin:0 auto;padding:1.5rem 2rem 4rem;background:#fff}
h1{margin:.2rem 0 .3rem;font-size:1.9rem}h2{margin-top:2.4rem;border-bottom:2px solid #d62728;
padding-bottom:.2rem}h3{margin-top:1.6rem;color:#444}
nav{font-size:.95rem;background:#f3f3f3;padding:.6rem 1rem;border-radius:6px}
nav a{margin-right:1rem;color:#1f4e79;text-decoration:none}
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.25rem .55rem;vertical-align:top}
th{background:#f0f0f0;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr:nth-child(even) td{background:#fbfbfb}caption{text-align:left;font-weight:600;padding:.2rem 0}
figure{margin:1rem 0 2rem}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.9rem;color:#555;max-width:70rem}
.note{border-left:4px solid #e67e22;background:#fff8ef;padding:.35rem .8rem;margin:.6rem 0;font-size:.9rem}
pre{background:#f5f5f5;padding:.6rem .8rem;overflow-x:auto;font-size:.85rem}
.sub{color:#666}
.figgrid{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:0 1.5rem}
.figgrid figure{margin:.6rem 0 1.2rem}.figgrid figure.wide{grid-column:1/-1}
"""


def _esc(text):
    return html.escape(str(text), quote=True)


def _html_table(table):
    numeric = table.numeric or [False] * len(table.headers)
    out = ["<table>"]
    if table.caption:
        out.append(f"<caption>{_esc(table.caption)}</caption>")
    out.append("<tr>" + "".join(f"<th>{_esc(h)}</th>" for h in table.headers) + "</tr>")
    for row in table.rows:
        cells = []
        for i, value in enumerate(row):
            cls = ' class="num"' if i < len(numeric) and numeric[i] else ""
            cells.append(f"<td{cls}>{_esc(value)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    if table.collapsed:
        summary = _esc(table.caption or "table")
        out = [f"<details><summary>{summary} ({len(table.rows)} rows)</summary>"] + out + ["</details>"]
    return "\n".join(out)


def _html_block(block):
    if isinstance(block, Para):
        return f"<p>{_esc(block.text)}</p>"
    if isinstance(block, Note):
        return f'<div class="note">{_esc(block.text)}</div>'
    if isinstance(block, Table):
        return _html_table(block)
    if isinstance(block, Code):
        return f"<pre>{_esc(block.text)}</pre>"
    if isinstance(block, Image):
        raw = block.figure.path.read_bytes()
        data = base64.b64encode(raw).decode("ascii")
        # A PNG's IHDR holds width and height at bytes 16..24: a figure of
        # two panels or more (over 9 inches, or very flat) takes the whole
        # row of the grid; at half width its text would be unreadable.
        wide = ""
        if raw[:8] == b"\x89PNG\r\n\x1a\n" and len(raw) > 24:
            w, h = int.from_bytes(raw[16:20], "big"), int.from_bytes(raw[20:24], "big")
            wide = ' class="wide"' if h and (w / h > 2.2 or w > 9 * FIGURE_DPI) else ""
        return (f'<figure id="{_esc(block.figure.name)}"{wide}><img alt="{_esc(block.figure.title)}" '
                f'src="data:image/png;base64,{data}"><figcaption><b>{_esc(block.figure.title)}.</b> '
                f"{_esc(block.figure.caption)}</figcaption></figure>")
    if isinstance(block, Section):
        return _html_section(block)
    raise TypeError(f"unknown block {block!r}")


def _html_section(section):
    level = section.level
    parts = [f'<section id="{_esc(section.id)}"><h{level}>{_esc(section.title)}</h{level}>']
    # Runs of figures side by side (two columns where the window allows).
    run = []
    for block in section.blocks + [None]:
        if isinstance(block, Image):
            run.append(_html_block(block))
            continue
        if run:
            parts.append('<div class="figgrid">' + "".join(run) + "</div>" if len(run) > 1 else run[0])
            run = []
        if block is not None:
            parts.append(_html_block(block))
    parts.append("</section>")
    return "\n".join(parts)


def to_html(title, subtitle, sections):
    toc = " ".join(f'<a href="#{_esc(s.id)}">{_esc(s.title)}</a>' for s in sections if s.level == 2)
    body = "\n".join(_html_section(s) for s in sections)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            f'<h1>{_esc(title)}</h1>\n<p class="sub">{_esc(subtitle)}</p>\n<nav>{toc}</nav>\n'
            f"{body}\n</main>\n</body>\n</html>\n")


def _md_cell(value):
    return str(value).replace("|", "\\|").replace("\n", " ")


def _md_table(table):
    numeric = table.numeric or [False] * len(table.headers)
    lines = []
    if table.caption:
        lines.append(f"**{table.caption}**\n")
    lines.append("| " + " | ".join(_md_cell(h) or " " for h in table.headers) + " |")
    lines.append("|" + "|".join("---:" if i < len(numeric) and numeric[i] else "---"
                                for i in range(len(table.headers))) + "|")
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in table.rows]
    return "\n".join(lines)


def _md_block(block, base):
    if isinstance(block, Para):
        return block.text
    if isinstance(block, Note):
        return f"> {block.text}"
    if isinstance(block, Table):
        return _md_table(block)
    if isinstance(block, Code):
        return f"```\n{block.text}\n```"
    if isinstance(block, Image):
        rel = os.path.relpath(block.figure.path, base).replace(os.sep, "/")
        return f"![{block.figure.title}]({rel})\n\n*{block.figure.caption}*"
    if isinstance(block, Section):
        return _md_section(block, base)
    raise TypeError(f"unknown block {block!r}")


def _md_section(section, base):
    parts = [f"{'#' * section.level} {section.title}"]
    parts += [_md_block(b, base) for b in section.blocks]
    return "\n\n".join(parts)


def to_markdown(title, subtitle, sections, base):
    """base: the directory report.md is written to (image links are relative to it)."""
    body = "\n\n".join(_md_section(s, base) for s in sections)
    return f"# {title}\n\n{subtitle}\n\n{body}\n"
