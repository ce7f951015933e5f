"""What every browser test shares: Debian's chromium, and an accessibility check with axe-core.

``assert_accessible(page)`` injects the vendored axe-core (``tests/vendor/axe-core``)
into the page as it stands and fails on any serious or critical violation, naming
each rule, its help text and the first offending elements.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")

# Playwright's sync API runs an event loop in this thread; the ORM calls made by
# the test itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed"
)


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, one per test module (import this fixture into the module)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@contextlib.contextmanager
def browser_context(browser, base_url: str, *, width: int = 1280, timeout: int = 15_000):
    """A fresh browser profile on the test server, closed after; it lets axe-core past the CSP."""
    context = browser.new_context(
        bypass_csp=True,  # axe-core is injected into the page as a script
        base_url=base_url,
        viewport={"width": width, "height": 900},
        locale="en-GB",
    )
    context.set_default_timeout(timeout)
    try:
        yield context
    finally:
        context.close()


def axe_violations(page, impacts: tuple[str, ...] = BLOCKING_IMPACTS) -> list[dict]:
    """The axe-core violations on the page as it stands, of the given impacts."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
                count: v.nodes.length,
            }));
        }"""
    )
    return [v for v in result if v["impact"] in impacts]


def assert_accessible(page, label: str = "") -> None:
    """Fail on any serious or critical axe-core violation on the page."""
    violations = axe_violations(page)
    where = label or page.url
    assert not violations, f"axe on {where}: " + "; ".join(
        f"{v['id']} ({v['impact']}, {v['count']}x): {v['help']} at {v['nodes']}" for v in violations
    )
