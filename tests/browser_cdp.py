"""A minimal headless-Chromium driver over the DevTools protocol, for the browser test.

Streamlit renders over a websocket after the page loads, so ``--dump-dom`` (virtual time) sees only the
empty shell: instead we start Chromium with a remote-debugging port and poll the live DOM until the
page's KPI cards and Plotly charts are drawn. Flags suit a machine without internet: no background
networking, component updates, sync or first-run, and a fresh user-data-dir per browser.
"""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from websockets.sync.client import connect

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
    "--window-size=1600,2000",
]


def chromium_path() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


class Browser:
    """One headless Chromium with one page; ``close()`` ends the process it started."""

    def __init__(self, executable: str) -> None:
        self.profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
        self.proc = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port = self._port()
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = connect(page["webSocketDebuggerUrl"], max_size=64 * 1024 * 1024, open_timeout=10)
        self._ids = itertools.count(1)
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1600, "height": 2000, "deviceScaleFactor": 1, "mobile": False})

    def _port(self, timeout: float = 20) -> int:
        active = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if active.exists() and active.read_text().strip():
                return int(active.read_text().splitlines()[0])
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.proc.returncode}")
            time.sleep(0.1)
        raise TimeoutError("chromium did not open its DevTools port")

    def call(self, method: str, params: dict | None = None, timeout: float = 30) -> dict:
        msg_id = next(self._ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            reply = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return result.get("result", {}).get("value")

    def open(self, url: str) -> None:
        self.call("Page.navigate", {"url": url})

    def wait_until(self, expression: str, timeout: float = 60, settle: float = 1.0) -> None:
        """Poll ``expression`` until truthy, then wait ``settle`` seconds for the last frames."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.evaluate(expression):
                time.sleep(settle)
                return
            time.sleep(0.25)
        raise TimeoutError(f"page not ready: {expression}\n{(self.text() or '')[:2000]}")

    def type_into(self, selector: str, text: str) -> None:
        """Focus the element and type ``text`` as a keyboard would (React sees the input events)."""
        self.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.focus(); e.select(); }})()")
        self.call("Input.insertText", {"text": text})

    def click_button(self, label: str) -> None:
        """Click the first button whose visible text is ``label``."""
        found = self.evaluate(
            f"(() => {{ const b = [...document.querySelectorAll('button')].find(b => b.innerText.trim() === "
            f"{json.dumps(label)}); if (b) b.click(); return !!b; }})()")
        if not found:
            raise LookupError(f"no button {label!r}")

    def text(self) -> str:
        return self.evaluate("document.body ? document.body.innerText : ''") or ""

    def screenshot(self, path: Path) -> Path:
        height = self.evaluate("Math.min(6000, document.querySelector('[data-testid=stMain]') ? "
                               "document.querySelector('[data-testid=stMain]').scrollHeight : 2000)") or 2000
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1600, "height": int(max(2000, height)), "deviceScaleFactor": 1, "mobile": False})
        time.sleep(0.5)
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)
