"""The HTML report (DESIGN.md sections 3 and 7): one self-contained page per scenario run.

`build_report(results, catalog)` renders the sections of `SECTIONS` (one builder per section,
each skipped when its stage did not run) into a single HTML file with plotly.js inlined, so it
opens offline; `write_report` writes it atomically; `gigawatt.report.png.export_pngs` draws the
same charts with matplotlib. `gigawatt.app.report` is `gigawatt report`.
"""

from gigawatt.report.base import Chart, ReportContext, Section, Series, Table
from gigawatt.report.document import SECTIONS, Report, build_report, write_report

__all__ = [
    "SECTIONS",
    "Chart",
    "Report",
    "ReportContext",
    "Section",
    "Series",
    "Table",
    "build_report",
    "write_report",
]
