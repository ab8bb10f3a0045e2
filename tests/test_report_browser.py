"""report.html in a real browser: Debian's Chromium, driven headless by Playwright.

Fails on any console message of level error or warning, on a script error, or on a figure that
does not render. Without /usr/bin/chromium the test is skipped, unless GENAI_LCA_REQUIRE_BROWSER
is set (as `.ci/run` does, after installing it): there, a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The flags this machine needs (env skill): no sandbox as root, no GPU, and no background
# connections, which the closed network refuses.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def chromium() -> str:
    if not Path(CHROMIUM).exists():
        if os.environ.get("GENAI_LCA_REQUIRE_BROWSER"):
            pytest.fail(f"no Chromium at {CHROMIUM}; install Debian's package `chromium`")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return CHROMIUM


def render(chromium: str, report: Path, queries: dict[str, tuple[str, str]],
           screenshot: Path | None = None) -> tuple[list[str], dict[str, object]]:
    """Open `report` in headless Chromium; return the console errors and warnings, script errors
    and failed requests, and each query's result (`name: (selector, JavaScript over the
    matches)`), after taking a full-page screenshot when asked."""
    from playwright.sync_api import sync_playwright

    messages: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: messages.append(f"{m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: messages.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: messages.append(f"request failed: {r.url}"))
            page.goto(report.as_uri(), wait_until="load")
            found = {name: page.eval_on_selector_all(selector, script)
                     for name, (selector, script) in queries.items()}
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return messages, found


FIGURES = ("figure img", "imgs => imgs.map(i => [i.naturalWidth, i.naturalHeight])")


@pytest.mark.parametrize("which, figure_count, details_count", [
    # contributions and allocation; inventory and annex A per functional unit
    ("bundle", 2, 4),
    # and the intervals, tornado and Sobol' figures; the sampled inputs and the Sobol' figure
    ("uncertainty_bundle", 5, 6)])
def test_report_renders_without_errors(which: str, figure_count: int, details_count: int,
                                       chromium: str, tmp_path: Path,
                                       request: pytest.FixtureRequest) -> None:
    bundle = request.getfixturevalue(which)
    screenshot = tmp_path / "report.png"
    messages, found = render(chromium, bundle.out / "report.html",
                             {"figures": FIGURES, "details": ("details", "ds => ds.length")},
                             screenshot)
    figures, details = found["figures"], found["details"]
    assert messages == []
    assert len(figures) == figure_count and all(w > 500 and h > 300 for w, h in figures), figures
    assert details == details_count
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 100_000  # a long page with figures, not a blank one
