"""The dashboard's browser fixtures, shared by every test of this package: one Chromium per
test module, and a fresh tab per test that fails the test on any console error and leaves a
screenshot in tests/artifacts/. Module scope, not session scope: Playwright's sync API keeps
an event loop running in the test thread while the browser lives, and the other tests that
share this worker process need `asyncio.run` afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser import Browser, Console, Page, browser_session, open_page


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    yield from browser_session()


@pytest.fixture
def tab(chromium: Browser, request: pytest.FixtureRequest) -> Iterator[tuple[Page, Console]]:
    yield from open_page(chromium, request)
