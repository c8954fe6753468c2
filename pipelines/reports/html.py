"""The report as one self-contained HTML page (jinja2 templates in `templates/`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2

from pipelines.reports.model import NUMERIC_KINDS, ReportDocument

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )


def render_html(doc: ReportDocument, as_of: dt.date, code_version: str) -> str:
    env = _environment()
    css_env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=False,
                                 undefined=jinja2.StrictUndefined)
    css = css_env.get_template("report.css").render(as_of_text=doc.as_of_text, concept=doc.concept)
    return env.get_template("report.html.j2").render(
        doc=doc,
        css=css,
        code_version=code_version,
        created=f"{as_of.isoformat()}T00:00:00Z",
        numeric_kinds=NUMERIC_KINDS,
    )
