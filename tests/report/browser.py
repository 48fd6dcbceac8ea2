"""Headless Chromium for the evidence-report tests: Debian's ``chromium`` and ``chromedriver``
driven by Selenium through an explicit driver path (nothing is downloaded). ``browser_setup.sh``
beside this file installs them where missing."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("DECREE8_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("DECREE8_CHROMEDRIVER", "/usr/bin/chromedriver")
#: A4 in PDF points (1/72 inch): 210 x 297 mm.
A4_POINTS = (595.28, 841.89)


def missing() -> str | None:
    """Why the browser tests cannot run here (``None`` when they can)."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).exists() or shutil.which(path)):
            return (
                f"{path} is not installed: run tests/report/browser_setup.sh "
                "(apt-get install chromium chromium-driver)"
            )
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: pip install -e '.[test]'"
    return None


SETUP = Path(__file__).with_name("browser_setup.sh")


def ensure_browser() -> None:
    """Makes sure headless Chromium can run: installs it with ``browser_setup.sh`` once where it
    is missing and we may (root with apt-get); otherwise skips the test, saying why, and under
    ``CI=true`` fails instead (CI installs the browser first: ``.ci/run``)."""
    why = missing()
    if why is None:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        done = subprocess.run(["bash", str(SETUP)], capture_output=True, text=True, check=False)
        why = missing()
        if why is None:
            return
        why += f" (browser_setup.sh: {done.stderr.strip()[-300:] or done.returncode})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"no headless browser: {why}")
    pytest.skip(f"no headless browser: {why}")


@contextmanager
def chromium(width: int = 1280, height: int = 900) -> Iterator[Any]:
    """A headless Chromium session that records console messages and network requests."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-sync",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def requests_made(driver: Any) -> list[str]:
    """URLs of every request the page made since the last call (from the performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(str(message["params"]["request"]["url"]))
    return urls


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def print_pdf(driver: Any) -> bytes:
    """The page printed to PDF as a person's "Save as PDF" does: the page's own @page size."""
    result = driver.execute_cdp_cmd(
        "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True}
    )
    return base64.b64decode(result["data"])


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The (width, height) in points of every page of ``pdf`` (its /MediaBox entries)."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", pdf)
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes]
