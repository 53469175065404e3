"""A real Chromium for the web UI tests, driven by Playwright for Python.

The browser is the distribution's (``apt-get install -y chromium``; ``.ci/run`` installs it
when missing): Playwright is pointed at it with ``executable_path`` and never downloads one
(``playwright install`` is never run). Without it the tests skip, or fail under ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("REVLEDGER_CHROMIUM", "/usr/bin/chromium")
#: The flags that work on these machines (no sandbox as root in a container, no GPU, and
#: nothing that phones home: no QUIC, sync, component updates or background networking).
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def chromium_path() -> str:
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if path is None:
        message = f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=chromium_path(), args=FLAGS, headless=True)


@dataclass
class Watch:
    """What a browser context did that it must not: requests to another host (aborted),
    script errors and console errors (a Content-Security-Policy violation is one)."""

    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def attach(self, context: Any) -> None:
        def route(route: Any) -> None:
            url = route.request.url
            host = urlsplit(url).hostname or ""
            if url.startswith(("data:", "blob:", "about:")) or host in LOCAL_HOSTS:
                route.continue_()
            else:
                self.outside.append(url)
                route.abort()

        context.route("**/*", route)
        context.on("page", self._page)

    def _page(self, page: Any) -> None:
        page.on("pageerror", lambda error: self.errors.append(f"script error: {error}"))
        page.on("console", lambda message: self.errors.append(f"console: {message.text}")
                if message.type == "error" else None)


def screenshot(page: Any, directory: Path, name: str) -> Path:
    """A full-page screenshot under the test run's temporary directory."""
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000, path
    return path
