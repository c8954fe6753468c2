"""The report HTML in a real browser: headless Chromium over the DevTools protocol.

Checks that the page loads without console errors or uncaught exceptions and makes no request
other than for the file itself (charts are inline SVG, styles inline, no scripts), and saves a
screenshot of the first screen (set NPA_REPORT_SCREENSHOTS=<folder> to keep them).
A negative control proves the check sees console errors and external requests.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from reports_browser import find_chromium, open_in_chromium
from reports_fixture import april, zomer  # noqa: F401 - session fixtures: each report rendered once

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reports")]


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI (make system-deps installs the Debian package)")
        pytest.skip("chromium not installed (apt-get install chromium)")
    return path


def _keep(screenshot: Path) -> None:
    folder = os.environ.get("NPA_REPORT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(screenshot, Path(folder) / screenshot.name)


@pytest.mark.parametrize("which", ["zomer", "april"])
def test_report_opens_in_chromium_without_errors_or_requests(chromium, tmp_path, request, which):
    _, result = request.getfixturevalue(which)
    screenshot = tmp_path / f"{result.report}-eerste-pagina.png"
    page = open_in_chromium(result.html, screenshot, chromium=chromium)
    assert page.errors == [], page.console
    assert page.external_requests == []
    assert page.requests == [result.html.resolve().as_uri()]
    assert page.failed == []
    assert page.n_scripts == 0
    assert page.n_tables >= 8 and page.n_svgs >= 5
    assert page.title.startswith("Invulling van de nationale prestatieafspraken")
    assert ("CONCEPT" in page.title) is result.concept
    data = screenshot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000
    _keep(screenshot)


def test_the_check_sees_errors_and_external_requests(chromium, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><head><title>x</title></head><body>'
                   '<img src="http://192.0.2.1/x.png"><script>console.error("kapot")</script></body></html>',
                   encoding="utf-8")
    page = open_in_chromium(bad, tmp_path / "bad.png", chromium=chromium)
    assert any("kapot" in e for e in page.errors)
    assert page.external_requests == ["http://192.0.2.1/x.png"]
