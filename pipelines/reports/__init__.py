"""The two statutory reports (reports.md): HTML, PDF, Excel workbook and manifest from the as-of marts.

    from pipelines.reports import render_report
    render_report("april-2023", date(2023, 4, 1), marts_db, out_dir, run_id, None, code_version)
"""

from pipelines.reports.queries import MartsError
from pipelines.reports.render import ReportResult, render_report
from pipelines.reports.texts import REPORTS

__all__ = ["REPORTS", "MartsError", "ReportResult", "render_report"]
