"""Headless Chromium over the DevTools protocol, enough to check report.html as a person
sees it: open a page, wait for it, read the DOM, click, take a screenshot.

The protocol is spoken directly over one WebSocket (``websocket-client``, a small
pure-Python package) rather than through Playwright: Playwright's Python package carries a
Node.js driver of its own (tens of megabytes) to do the same few calls, and its browser
download is not wanted here (Debian's ``chromium`` is used).

Used by the tests and ``scripts/report_check.py``; not needed to write a report.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--remote-debugging-port=0")
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")


def find_chromium() -> str | None:
    """The Chromium executable: ``NEWSDEDUP_CHROMIUM``, else the first of CANDIDATES on PATH."""
    explicit = os.environ.get("NEWSDEDUP_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


class BrowserError(RuntimeError):
    pass


class Chromium:
    """One headless Chromium with a fresh profile and one page; a context manager."""

    def __init__(self, executable: str | None = None, width: int = 1280, height: int = 900, timeout: float = 60.0):
        import websocket  # websocket-client

        self.executable = executable or find_chromium()
        if not self.executable:
            raise BrowserError("no Chromium found (Debian: apt-get install chromium)")
        self.profile = tempfile.mkdtemp(prefix="newsdedup-chromium-")
        self.process = subprocess.Popen([self.executable, *FLAGS, f"--user-data-dir={self.profile}",
                                         f"--window-size={width},{height}", "about:blank"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.timeout = timeout
        self.events: list[dict[str, Any]] = []
        self._id = 0
        try:
            port = self._port()
            self.socket = websocket.create_connection(self._page_socket(port), timeout=timeout, suppress_origin=True)
            for domain in ("Page", "Runtime"):
                self.call(f"{domain}.enable")
            self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        except BaseException:
            self.close()
            raise

    def _port(self) -> int:
        marker = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrowserError(f"{self.executable} exited with {self.process.returncode}")
            if marker.exists() and marker.read_text().strip():
                return int(marker.read_text().split()[0])
            time.sleep(0.05)
        raise BrowserError("Chromium did not open its DevTools port")

    def _page_socket(self, port: int) -> str:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as response:
                pages = [t for t in json.load(response) if t.get("type") == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.05)
        raise BrowserError("Chromium opened no page")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        self.socket.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self._id:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression!r}: {result['exceptionDetails'].get('text')} "
                               f"{result['exceptionDetails'].get('exception', {}).get('description', '')}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float | None = None) -> Any:
        """Poll until ``expression`` is truthy; its value."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out waiting for {expression!r}")
            time.sleep(0.02)

    def open(self, url: str) -> float:
        """Load ``url`` and wait for ``<html data-ready>``; seconds from navigation to ready."""
        self.call("Page.navigate", url="about:blank")
        start = time.monotonic()
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState !== 'loading' && document.documentElement.hasAttribute('data-ready') "
                      "&& location.href !== 'about:blank'")
        return time.monotonic() - start

    def on_new_document(self, source: str) -> None:
        """Run ``source`` in every page before its own scripts (outside its CSP)."""
        self.call("Page.addScriptToEvaluateOnNewDocument", source=source)

    def go(self, fragment: str) -> None:
        """Follow an in-page link (``#...``) and wait for the view to render."""
        self.evaluate("document.documentElement.removeAttribute('data-ready')")
        self.evaluate(f"location.hash = {json.dumps(fragment)}")
        self.wait_for("document.documentElement.hasAttribute('data-ready')")

    def click(self, selector: str) -> None:
        """A real mouse click in the middle of the first element matching ``selector``."""
        box = self.evaluate(f"""(() => {{ const e = document.querySelector({json.dumps(selector)});
            if (!e) return null; e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect();
            return [r.left + r.width / 2, r.top + r.height / 2]; }})()""")
        if box is None:
            raise BrowserError(f"nothing matches {selector!r}")
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)

    def screenshot(self, path: str | Path) -> None:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def exceptions(self) -> list[str]:
        """Uncaught JavaScript errors of the page so far."""
        return [e["params"]["exceptionDetails"].get("text", "") for e in self.events
                if e.get("method") == "Runtime.exceptionThrown"]

    def close(self) -> None:
        try:
            if getattr(self, "socket", None) is not None:
                self.socket.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
