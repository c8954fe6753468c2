"""The PDF: the same HTML, laid out on A4 by WeasyPrint with the print styles of report.css."""

from __future__ import annotations

from pathlib import Path


def render_pdf(html: str, base_dir: Path) -> bytes:
    # Imported here: WeasyPrint loads pango at import, which only the report job needs.
    from weasyprint import HTML

    def no_fetch(url: str, *args, **kwargs):
        # The report is self-contained; anything it would fetch is a bug, never a request.
        raise ValueError(f"report HTML refers to an external resource: {url}")

    return HTML(string=html, base_url=str(base_dir), url_fetcher=no_fetch).write_pdf()
