"""The PDF: the same HTML, laid out on A4 by WeasyPrint with the print styles of report.css.

WeasyPrint is the slowest step of a report (about 10 s of CPU at national scale) and runs on one
core. `start_pdf` runs it in a child Python process, so the workbook is written on the other core
meanwhile; the child runs this file, which imports nothing but WeasyPrint. The bytes are the same
as `render_pdf` in-process: the same code on the same HTML.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path


def render_pdf(html: str, base_dir: Path) -> bytes:
    # Imported here: WeasyPrint loads pango at import, which only the report job needs.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    class NoFetch(URLFetcher):
        # The report is self-contained; anything it would fetch is a bug, never a request: the
        # rendering stops (fail_on_errors). WeasyPrint 70 wants a URLFetcher, not a function.
        def fetch(self, url, headers=None):
            raise ValueError(f"report HTML refers to an external resource: {url}")

    return HTML(string=html, base_url=str(base_dir), url_fetcher=NoFetch(fail_on_errors=True)).write_pdf()


class PendingPdf:
    """A PDF being rendered by a child process; `result()` waits for it and returns its bytes."""

    def __init__(self, html: str, base_dir: Path):
        # -P: the script's folder (which holds html.py) must not shadow the standard library
        self._proc = subprocess.Popen(
            [sys.executable, "-P", str(Path(__file__).resolve()), str(base_dir)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._out: tuple[bytes, bytes] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._talk, args=(html.encode("utf-8"),), daemon=True)
        self._thread.start()

    def _talk(self, data: bytes) -> None:
        try:
            self._out = self._proc.communicate(data)
        except BaseException as exc:  # reported by result()
            self._error = exc

    def result(self) -> bytes:
        self._thread.join()
        if self._error is not None:
            raise RuntimeError("PDF rendering failed") from self._error
        stdout = (self._out or (b"", b""))[0]
        if self._proc.returncode != 0 or not stdout.startswith(b"%PDF"):
            raise RuntimeError(f"PDF rendering failed (exit {self._proc.returncode}):\n"
                               + "\n".join(self.warnings()[-20:]))
        return stdout

    def warnings(self) -> list[str]:
        """The lines the child wrote to stderr: WeasyPrint's warnings on a successful rendering (a
        CSS property it ignores, a missing glyph), for the run log; call after `result()`."""
        _, stderr = self._out or (b"", b"")
        return [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]

    def cancel(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._thread.join()


def start_pdf(html: str, base_dir: Path) -> PendingPdf:
    return PendingPdf(html, base_dir)


def _main() -> None:
    import logging

    # WeasyPrint's logger has only a NullHandler: its warnings would be lost; stderr carries them to
    # the parent (PendingPdf.warnings)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.getLogger("weasyprint").addHandler(handler)
    html = sys.stdin.buffer.read().decode("utf-8")
    pdf = render_pdf(html, Path(sys.argv[1]))
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    _main()
