"""Open a report in headless Chromium over the DevTools protocol: console errors, requests, screenshot.

Chromium is started with a fresh profile, no background networking, and a DevTools port chosen by
the browser itself (`--remote-debugging-port=0`, read back from `DevToolsActivePort`). The page is
loaded from a file: URL; every request the page makes, every console message and every uncaught
exception is recorded, then a PNG of the first screen is taken.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from websockets.sync.client import connect

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def find_chromium() -> str | None:
    configured = os.environ.get("NPA_CHROMIUM")
    for candidate in ([configured] if configured else []) + list(CHROMIUM_CANDIDATES):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium")


@dataclass
class PageReport:
    requests: list[str] = field(default_factory=list)
    console: list[tuple[str, str]] = field(default_factory=list)  # (level, text)
    exceptions: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    title: str = ""
    n_tables: int = 0
    n_svgs: int = 0
    n_scripts: int = 0

    @property
    def external_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(("file:", "data:", "about:"))]

    @property
    def errors(self) -> list[str]:
        return [text for level, text in self.console if level in ("error", "assert")] + self.exceptions


class _Session:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session_id: str | None = None,
             timeout: float = 30) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session_id:
            message["sessionId"] = session_id
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no answer to {method}")
            reply = json.loads(self.ws.recv(timeout=remaining))
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30) -> dict:
        for event in self.events:
            if event["method"] == method:
                return event
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no event {method}")
            message = json.loads(self.ws.recv(timeout=remaining))
            if "method" in message:
                self.events.append(message)
                if message["method"] == method:
                    return message

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                message = json.loads(self.ws.recv(timeout=remaining))
            except TimeoutError:
                return
            if "method" in message:
                self.events.append(message)


def open_in_chromium(html_file: Path, screenshot: Path, *, chromium: str, width: int = 1000,
                     height: int = 1400) -> PageReport:
    profile = Path(tempfile.mkdtemp(prefix="npa-chromium-"))
    args = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
        "--disable-extensions", "--disable-dev-shm-usage", "--mute-audio", f"--user-data-dir={profile}",
        "--remote-debugging-port=0", "--remote-allow-origins=*", f"--window-size={width},{height}", "about:blank",
    ]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if process.poll() is not None:
                raise RuntimeError(f"chromium exited with {process.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError("chromium did not open its DevTools port")
            time.sleep(0.1)
        port, path = port_file.read_text().splitlines()[:2]
        with connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=30) as ws:
            return _inspect(_Session(ws), html_file, screenshot, width, height)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        shutil.rmtree(profile, ignore_errors=True)


def _inspect(s: _Session, html_file: Path, screenshot: Path, width: int, height: int) -> PageReport:
    target = s.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    sid = s.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        s.send(f"{domain}.enable", session_id=sid)
    s.send("Emulation.setDeviceMetricsOverride",
           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session_id=sid)
    s.events.clear()
    s.send("Page.navigate", {"url": html_file.resolve().as_uri()}, session_id=sid)
    s.wait_for("Page.loadEventFired", timeout=60)
    s.drain(1.0)  # late console messages or requests

    report = PageReport()
    for event in s.events:
        method, params = event["method"], event.get("params", {})
        if method == "Network.requestWillBeSent":
            report.requests.append(params["request"]["url"])
        elif method == "Network.loadingFailed":
            report.failed.append(f"{params.get('errorText')} ({params.get('requestId')})")
        elif method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            report.console.append((params.get("type", ""), text))
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            report.console.append((entry.get("level", ""), f"{entry.get('text')} {entry.get('url', '')}".strip()))
        elif method == "Runtime.exceptionThrown":
            report.exceptions.append(json.dumps(params.get("exceptionDetails", {}))[:500])

    def evaluate(expression: str):
        return s.send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                      session_id=sid)["result"].get("value")

    report.title = evaluate("document.title")
    report.n_tables = evaluate("document.querySelectorAll('table').length")
    report.n_svgs = evaluate("document.querySelectorAll('svg').length")
    report.n_scripts = evaluate("document.querySelectorAll('script').length")
    shot = s.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False}, session_id=sid)
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    s.send("Target.closeTarget", {"targetId": target})
    return report
