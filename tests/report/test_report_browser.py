"""The HTML report in a real browser (Debian's headless Chromium, driven by Selenium): what a
person sees on the audit of the demo history and of a generated history of thousands of
transactions. Screenshots are kept under build/report-screenshots/.

Needs `chromium` and `chromium-driver` (tests/report/browser_setup.sh installs them; the tests run
it once when they are missing and skip, saying why, only when they cannot be installed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import (
    A4_POINTS,
    chromium,
    console_errors,
    ensure_browser,
    pdf_pages,
    print_pdf,
    requests_made,
)

from decree8.report import OutputFormat, write_report

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "report-screenshots"
#: Width of the printable area of A4 with the report's @page margins (12 mm each side) in CSS px.
A4_CONTENT_PX = round((210 - 24) / 25.4 * 96)


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    ensure_browser()
    with chromium() as session:
        yield session


@pytest.fixture(scope="module", params=["demo", "generated"])
def page(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """(name, report, path of its HTML file)."""
    run = request.getfixturevalue(request.param)
    path = tmp_path_factory.mktemp("html") / f"{request.param}.html"
    path.write_text(write_report(run.report, OutputFormat.HTML), encoding="utf-8")
    return request.param, run.report, path


def _open(driver: Any, path: Path) -> None:
    requests_made(driver)  # drop what earlier pages logged
    console_errors(driver)
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    driver.set_window_size(1280, 900)
    driver.get(path.as_uri())


def _visible_rows(driver: Any) -> list[Any]:
    return [
        r
        for r in driver.find_elements("css selector", "#holders-table tbody tr")
        if r.is_displayed()
    ]


def test_the_page_loads_alone_without_errors_and_is_kept_as_a_screenshot(
    driver: Any, page: Any
) -> None:
    name, report, path = page
    _open(driver, path)
    assert driver.title.startswith(report.title)
    assert console_errors(driver) == []
    assert requests_made(driver) == [path.as_uri()]  # nothing but the file itself
    from selenium.webdriver.support.ui import WebDriverWait

    paints = WebDriverWait(driver, 10).until(
        lambda d: d.execute_script(
            "return performance.getEntriesByType('paint').map(e => [e.name, e.startTime])"
        )
    )
    assert "first-contentful-paint" in dict(paints)
    SHOTS.mkdir(parents=True, exist_ok=True)
    timeline = driver.find_element("id", "timeline")
    timeline.screenshot(str(SHOTS / f"{name}-timeline.png"))
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(int(height) + 40, 16_000))
    assert driver.save_screenshot(str(SHOTS / f"{name}.png"))
    assert (SHOTS / f"{name}.png").stat().st_size > 10_000


def test_the_timeline_shows_the_history_points_marks_and_findings(driver: Any, page: Any) -> None:
    name, report, path = page
    _open(driver, path)
    history = report.history
    charts = driver.find_elements("css selector", "svg.chart.supply")
    assert len(charts) == len(history.timelines)
    for chart, timeline in zip(charts, history.timelines, strict=True):
        assert chart.is_displayed() and chart.size["width"] > 600
        points = chart.find_elements("css selector", "circle.point")
        assert [int(p.get_attribute("data-block")) for p in points] == [
            p.block for p in timeline.points
        ]
        assert all(p.is_displayed() for p in points[:50])
        dots = chart.find_elements("css selector", "circle.finding")
        own = [f for f in report.findings if f.contract == timeline.token and f.block]
        assert sum(int(d.get_attribute("data-count")) for d in dots) >= len(own)
        assert all(d.is_displayed() for d in dots)
        label = chart.find_element("css selector", "desc").get_attribute("textContent")
        assert f"blocks {report.block_range[0]:,} to {report.block_range[1]:,}" in label
    kinds = [m.get_attribute("data-kind") for m in driver.find_elements(
        "css selector", "svg.supply g.mark")]  # fmt: skip
    token = history.timelines[0].token
    expected = [m.kind for m in history.marks if m.kind in ("legal order", "terms amendment")
                and m.contract == token]  # fmt: skip
    assert kinds[: len(expected)] == expected
    if name == "generated":
        run_expected = {"legal order": 2, "terms amendment": 1}
        assert {k: kinds.count(k) for k in run_expected} == run_expected
        assert len(report.findings) >= 4  # planted sales, marked on the lax token's chart
        bars = driver.find_elements("css selector", "svg.transfers rect.bar")
        assert driver.find_element("css selector", "svg.transfers").get_attribute("data-by") == (
            "day"
        )
        assert len(bars) == len(history.transfers_per_day) >= 7
    else:
        assert kinds.count("legal order") == 3
        assert len(driver.find_elements("css selector", "svg.supply rect.pause")) == 1


def test_a_filter_narrows_the_holders_table(driver: Any, page: Any) -> None:
    name, report, path = page
    _open(driver, path)
    holders = report.history.holders
    total = len(holders)
    assert len(_visible_rows(driver)) == total
    box = driver.find_element("id", "holder-filter")
    box.send_keys("alice")
    rows = _visible_rows(driver)
    alice = [h for h in holders if report.history.names.get(h.address) == "alice"]
    assert 1 <= len(rows) == len(alice) < total and all("alice" in r.text for r in rows)
    shown = f"{len(alice)} of {total} holders shown"
    assert driver.find_element("id", "holders-shown").text == shown
    box.clear()
    box.send_keys("no such holder")
    assert _visible_rows(driver) == []
    box.clear()
    box.send_keys(" ")  # clear() fires no input event
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element("id", "holder-type")).select_by_value("individual")
    individuals = [h for h in holders if h.holder_type == "individual"]
    assert len(_visible_rows(driver)) == len(individuals) < total
    Select(driver.find_element("id", "holder-type")).select_by_value("")
    driver.find_element("id", "holder-frozen").click()
    frozen = [h for h in holders if h.frozen or h.frozen_whole]
    assert len(_visible_rows(driver)) == len(frozen)


def test_clicking_a_column_sorts_the_holders(driver: Any, page: Any) -> None:
    _, report, path = page
    _open(driver, path)
    header = driver.find_element("xpath", "//table[@id='holders-table']//th[button='Balance']")
    column = [th.text for th in driver.find_elements("css selector", "#holders-table th")].index(
        header.text
    )

    def balances() -> list[int]:
        return [
            int(r.find_elements("css selector", "td")[column].get_attribute("data-sort"))
            for r in _visible_rows(driver)
        ]

    header.find_element("tag name", "button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    assert balances() == sorted(h.balance for h in report.history.holders)
    header.find_element("tag name", "button").click()
    assert header.get_attribute("aria-sort") == "descending"
    assert balances() == sorted((h.balance for h in report.history.holders), reverse=True)


def test_it_prints_to_a4_without_anything_cut_off(driver: Any, page: Any) -> None:
    name, _, path = page
    _open(driver, path)
    pdf = print_pdf(driver)
    (SHOTS / f"{name}.pdf").write_bytes(pdf)
    pages = pdf_pages(pdf)
    assert pages and all(
        abs(w - A4_POINTS[0]) < 1.5 and abs(h - A4_POINTS[1]) < 1.5 for w, h in pages
    ), pages
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": A4_CONTENT_PX, "height": 1100, "deviceScaleFactor": 1, "mobile": False},
    )
    wide = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert wide <= 1, f"the printed page is {wide}px wider than A4"
    assert not driver.find_element("id", "holder-filter").is_displayed()  # controls not printed
