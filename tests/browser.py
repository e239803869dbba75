"""Browser-test plumbing: the real app under uvicorn in a background thread, Debian's Chromium
driven by Playwright, console capture, screenshots, and an accessibility audit.

Chromium is `/usr/bin/chromium` (installed by `.ci/run`), never a browser Playwright
downloads. Without it the browser tests skip, except under `CI=true`, where that is a
failure.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvicorn

from outdial.app import create_app
from outdial.config import Settings

IN_CI = os.environ.get("CI", "").lower() == "true"
try:
    from playwright.sync_api import (
        Browser,
        ConsoleMessage,
        Page,
        Playwright,
        expect,
        sync_playwright,
    )
except ImportError:  # the dev extra brings it; without it the browser tests skip (not in CI)
    if IN_CI:
        raise
    pytest.skip("playwright is not installed (pip install -e '.[dev]')", allow_module_level=True)

__all__ = ["Browser", "Page", "expect"]  # test modules take Playwright's names from here
T = TypeVar("T")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
README_SHOTS = ROOT / "docs" / "screenshots"
BACKEND = os.environ.get("OUTDIAL_TEST_BACKEND", "sqlite")
WAIT_MS = 60_000


def require_chromium() -> None:
    """Skip without Debian's Chromium, unless CI promises it (then fail)."""
    if Path(CHROMIUM).exists():
        return
    if IN_CI:
        pytest.fail(f"{CHROMIUM} is missing (CI=true): .ci/run installs the chromium package")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")


def fast_settings(database_url: str, **overrides: Any) -> Settings:
    """A fast simulated carrier: calls last milliseconds and the engine polls often."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "default_region": "US",
        "auth_cache_seconds": 0,
        "sim_speed": 500,
        "tick_seconds": 0.05,
        "sim_seed": 7,
        **overrides,
    }
    return Settings(**values)


class LiveServer:
    """`create_app(settings)` served by uvicorn on 127.0.0.1, in a thread. Port 0 lets the
    system choose a free port at bind time (no race with other test processes)."""

    def __init__(self, settings: Settings) -> None:
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)

    @property
    def url(self) -> str:
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=60)


@dataclass
class Console:
    """Every console error and page error a page produced; `allow` names expected ones."""

    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(f"console.{message.type}: {message.text} @ {message.location}")

    def on_page_error(self, error: Exception) -> None:
        self.errors.append(f"page error: {error}")

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def browser_session() -> Iterator[Browser]:
    """One Chromium for the whole test session."""
    require_chromium()
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


def shot_name(request: pytest.FixtureRequest) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name) + f"-{BACKEND}.png"


def open_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[tuple[Page, Console]]:
    """A fresh context and page; at the end a full-page screenshot is saved to
    tests/artifacts and the console must hold no unexpected error."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    console = Console()
    page.on("console", console.on_console)
    page.on("pageerror", console.on_page_error)
    try:
        yield page, console
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        if not page.is_closed():
            page.evaluate("() => document.activeElement && document.activeElement.blur()")
            page.screenshot(
                path=str(ARTIFACTS / shot_name(request)), full_page=True, caret="initial"
            )
        context.close()
    assert console.unexpected() == [], "browser console errors:\n" + "\n".join(console.errors)


def readme_shot(page: Page, name: str) -> None:
    """Save a README screenshot (docs/screenshots) when OUTDIAL_README_SCREENSHOTS=1."""
    if os.environ.get("OUTDIAL_README_SCREENSHOTS") == "1" and BACKEND == "sqlite":
        README_SHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        page.screenshot(path=str(README_SHOTS / f"{name}.png"), full_page=True, caret="initial")


# --- accessibility ----------------------------------------------------------------------------

_UNLABELLED = """() => {
  const name = (el) => (el.getAttribute('aria-label') || '').trim()
    || (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
         .map((id) => (document.getElementById(id) || {}).textContent || '').join(' ').trim()
    || (el.labels && Array.from(el.labels).map((l) => l.textContent).join(' ').trim())
    || '';
  const controls = document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button, a[href], progress, svg[role=img]');
  const missing = [];
  for (const el of controls) {
    const text = (el.tagName === 'BUTTON' || el.tagName === 'A') ? el.textContent.trim() : '';
    if (!name(el) && !text) missing.push(el.outerHTML.slice(0, 160));
  }
  return missing;
}"""

_FOCUSABLE = """() => {
  const sig = (el) => el.type === 'radio' ? 'radio|' + el.name : [el.tagName, el.id, el.name || '',
    el.value || '', el.getAttribute('href') || '', el.textContent.trim().slice(0, 40)].join('|');
  const all = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, [tabindex]');
  const out = [];
  for (const el of all) {
    if (el.disabled || el.getAttribute('tabindex') === '-1' || el.closest('[hidden]')) continue;
    if (!el.checkVisibility()) continue;
    out.push(sig(el));
  }
  return out;
}"""

_ACTIVE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return '';
  return el.type === 'radio' ? 'radio|' + el.name : [el.tagName, el.id, el.name || '',
    el.value || '', el.getAttribute('href') || '', el.textContent.trim().slice(0, 40)].join('|');
}"""


_NO_CSRF = """() => {
  const headers = document.body.getAttribute('hx-headers');
  const token = headers ? JSON.parse(headers)['X-CSRF-Token'] : '';
  const bad = [];
  for (const form of document.forms) {
    if ((form.getAttribute('method') || 'get').toLowerCase() !== 'post') continue;
    const field = form.querySelector('input[type=hidden][name=csrf_token]');
    if (!token || !field || field.value !== token) bad.push(form.getAttribute('action'));
  }
  return bad;
}"""


def audit(page: Page) -> None:
    """Every control has a label (or an accessible name), every form that posts carries the
    session's CSRF token, and Tab reaches every control."""
    unlabelled = page.evaluate(_UNLABELLED)
    assert unlabelled == [], f"controls without a label on {page.url}: {unlabelled}"
    forged = page.evaluate(_NO_CSRF)
    assert forged == [], f"forms without the session's CSRF token on {page.url}: {forged}"
    wanted = set(page.evaluate(_FOCUSABLE))
    reached: set[str] = set()
    # time inputs take a Tab per segment, and focus wraps around the page: go round once
    for _ in range(len(wanted) * 4 + 40):
        page.keyboard.press("Tab")
        reached.add(page.evaluate(_ACTIVE))
        if reached >= wanted:
            break
    missing = sorted(wanted - reached - {""})
    assert missing == [], f"not reachable with Tab on {page.url}: {missing}"


def off_loop(work: Callable[..., T], *args: Any) -> T:
    """Run `work` in a worker thread: Playwright's sync API keeps an event loop running in
    the test's thread, so helpers that call `asyncio.run` (seeding data) cannot run there."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work, *args).result()


# --- steps shared by the dashboard tests ------------------------------------------------------

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def open_zone() -> str:
    """A time zone whose wall clock is well inside 00:00-23:59 now, so an all-day window is
    open for the whole test."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    for zone in ("UTC", "Asia/Tokyo", "America/New_York"):
        hour = datetime.now(UTC).astimezone(ZoneInfo(zone)).hour
        if 1 <= hour <= 21:
            return zone
    raise AssertionError("no candidate zone is open")


def sign_in(page: Page, base: str, client_id: str, secret: str) -> None:
    page.goto(f"{base}/ui/signin")
    page.get_by_label("Client id").fill(client_id)
    page.get_by_label("Client secret").fill(secret)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/campaigns")


def create_list(page: Page, base: str, stream: str, name: str, kind: str = "call") -> str:
    """Create a list on the Lists page; returns its page's URL."""
    page.goto(f"{base}/ui/{stream}/lists")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Description").fill(f"{name} (from the dashboard)")
    page.get_by_label("Do not call" if kind == "dnc" else "Contacts to call").check()
    page.get_by_role("button", name="Create list").click()
    page.wait_for_url("**/lists/cl-*")
    return page.url


def upload_csv(page: Page, name: str, text: str) -> None:
    """Upload a CSV on a list's page and wait for the import report."""
    page.set_input_files(
        "#upload-file", {"name": name, "mimeType": "text/csv", "buffer": text.encode()}
    )
    page.get_by_role("button", name="Upload").click()
    state = page.locator("#upload-state")
    expect(state).to_have_text(re.compile(r"^(Done\.|The upload failed.*)$"), timeout=WAIT_MS)
    expect(state).to_have_text("Done.")


def fill_campaign(page: Page, name: str, lists: list[str], dnc: str, zone: str) -> None:
    """Fill the campaign form: Agentless, one attempt per record, open all week."""
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Description").fill(f"{name}, made in the browser")
    page.get_by_label("Experience flow").fill("Survey Flow")
    for list_name in lists:
        page.get_by_label(list_name, exact=True).check()
    page.get_by_label("Do-not-call list").select_option(dnc)
    page.get_by_label("Caller ID").fill("+14155550100")
    page.get_by_label("Attempts per record").fill("1")
    page.get_by_label("Minutes between attempts").fill("1")
    page.get_by_label("Time zone").fill(zone)
    for day in DAYS:
        page.check(f"#day-{day}-on")
        page.fill(f"#day-{day}-0-start", "00:00")
        page.fill(f"#day-{day}-0-end", "23:59")


def contacts_csv(count: int, zone: str, first: int = 0) -> str:
    """A CSV of `count` valid contacts in `zone` (numbers +1415555 01xx upward)."""
    rows = ["phoneNumber,firstName,lastName,timeZone,uniqueId"]
    for i in range(first, first + count):
        rows.append(f"+1415555{1000 + i:04d},Name{i},Family{i},{zone},u-{i}")
    return "\n".join(rows) + "\n"
