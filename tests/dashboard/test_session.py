"""Dashboard sessions: signing in and out in real Chromium, the cookie's flags, CSRF, and a
session that sees only its app's account and streams."""

from __future__ import annotations

import asyncio

import httpx

from outdial.apps.service import Credentials, rotate_secret
from outdial.config import Settings
from outdial.kit.db import make_async_engine, make_sessions
from tests.api import Api, campaign_body
from tests.browser import (
    Console,
    LiveServer,
    Page,
    audit,
    expect,
    fast_settings,
    off_loop,
    readme_shot,
    sign_in,
)
from tests.conftest import (
    ACCOUNT_A,
    ACCOUNT_B,
    STREAM_A1,
    STREAM_A2,
    STREAM_B1,
    make_credentials,
)


def rotate(settings: Settings, client_id: str) -> None:
    async def work() -> None:
        engine = make_async_engine(settings.database_url)
        try:
            async with make_sessions(engine)() as session:
                await rotate_secret(session, client_id)
        finally:
            await engine.dispose()

    asyncio.run(work())


def test_sign_in_streams_and_sign_out(tab: tuple[Page, Console], database_url: str) -> None:
    page, _ = tab
    settings = fast_settings(database_url)
    creds = off_loop(make_credentials, settings, ACCOUNT_A, [STREAM_A1, STREAM_A2])
    with LiveServer(settings) as server:
        base = server.url
        page.goto(f"{base}/ui/{STREAM_A1}/campaigns")
        page.wait_for_url("**/ui/signin")
        page.get_by_label("Client id").fill(creds.client_id)
        page.get_by_label("Client secret").fill("not-the-secret")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_have_text(
            "That client id and secret do not match an app."
        )
        readme_shot(page, "signin")
        audit(page)
        sign_in_with_keys(page, base, creds.client_id, creds.client_secret)
        cookie = next(c for c in page.context.cookies() if c["name"] == "outdial_session")
        assert cookie["httpOnly"] is True
        assert cookie["sameSite"] == "Strict"
        assert cookie["path"] == "/ui"
        page.get_by_label("Stream").select_option(STREAM_A2)
        page.get_by_role("button", name="Switch").click()
        page.wait_for_url(f"**/ui/{STREAM_A2}/campaigns")
        audit(page)
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url("**/ui/signin?signed_out=1")
        expect(page.get_by_role("status")).to_have_text("You are signed out.")
        page.goto(f"{base}/ui/{STREAM_A2}/campaigns")
        page.wait_for_url("**/ui/signin")
        sign_in(page, base, creds.client_id, creds.client_secret)
        off_loop(rotate, settings, creds.client_id)
        page.reload()
        page.wait_for_url("**/ui/signin")


def sign_in_with_keys(page: Page, base: str, client_id: str, secret: str) -> None:
    """Sign in with the keyboard alone: Tab to the client id, type, Tab, type, Enter."""
    page.goto(f"{base}/ui/signin")
    field = page.get_by_label("Client id")
    for _ in range(10):
        page.keyboard.press("Tab")
        if field.evaluate("(el) => el === document.activeElement"):
            break
    expect(field).to_be_focused()
    page.keyboard.type(client_id)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Client secret")).to_be_focused()
    page.keyboard.type(secret)
    page.keyboard.press("Enter")
    page.wait_for_url("**/campaigns")


def seed_other_account(base: str, creds: Credentials) -> tuple[str, str]:
    """Account B's campaign and contact list, made through the API; returns their ids."""
    with httpx.Client(base_url=base, timeout=30) as client:
        api = Api(client, creds, STREAM_B1)  # type: ignore[arg-type]
        lists, dnc = api.basic_setup()
        secret_list = str(api.create_list("Secret people")["_id"])
        campaign = api.create_campaign(campaign_body("Secret plan", [lists], dnc))
        return str(campaign["id"]), secret_list


def test_another_accounts_campaign_stays_hidden(
    tab: tuple[Page, Console], database_url: str
) -> None:
    page, console = tab
    console.allow(r"status of 404")
    settings = fast_settings(database_url)
    mine = off_loop(make_credentials, settings, ACCOUNT_A, [STREAM_A1])
    theirs = off_loop(make_credentials, settings, ACCOUNT_B, [STREAM_B1])
    with LiveServer(settings) as server:
        base = server.url
        foreign, foreign_list = seed_other_account(base, theirs)
        sign_in(page, base, mine.client_id, mine.client_secret)
        expect(page.locator("main")).not_to_contain_text("Secret plan")
        page.goto(f"{base}/ui/{STREAM_A1}/lists")
        expect(page.locator("#dnc-lists")).to_contain_text("Default Global DNC")
        expect(page.locator("main")).not_to_contain_text("Secret people")
        for path in (
            f"/ui/{STREAM_A1}/campaigns/{foreign}",
            f"/ui/{STREAM_A1}/campaigns/{foreign}/edit",
            f"/ui/{STREAM_A1}/campaigns/{foreign}/attempts.csv",
            f"/ui/{STREAM_A1}/lists/{foreign_list}",
            f"/ui/{STREAM_B1}/campaigns",
            f"/ui/{STREAM_B1}/campaigns/{foreign}",
            f"/ui/{STREAM_B1}/lists/{foreign_list}",
        ):
            answer = page.goto(base + path)
            assert answer is not None and answer.status == 404, path
            expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
            expect(page.locator("main")).not_to_contain_text("Secret")
        audit(page)
        token = page.evaluate("() => JSON.parse(document.body.getAttribute('hx-headers'))")
        answer = page.request.post(
            f"{base}/ui/{STREAM_A1}/campaigns/{foreign}/trigger",
            form={"action": "play", "csrf_token": token["X-CSRF-Token"]},
        )
        assert answer.status == 404
        with httpx.Client(base_url=base, timeout=30) as client:
            api = Api(client, theirs, STREAM_B1)  # type: ignore[arg-type]
            status = api.get(f"/campaign/{foreign}/status").json()["data"]["status"]
        assert status in ("Preparing", "Ready")


def test_state_changes_need_the_csrf_token(tab: tuple[Page, Console], database_url: str) -> None:
    page, _ = tab
    settings = fast_settings(database_url)
    creds = off_loop(make_credentials, settings, ACCOUNT_A, [STREAM_A1])
    with LiveServer(settings) as server:
        base = server.url
        sign_in(page, base, creds.client_id, creds.client_secret)
        url = f"{base}/ui/{STREAM_A1}/lists"
        for form in ({"name": "Sneaky", "description": ""},
                     {"name": "Sneaky", "description": "", "csrf_token": "forged"}):  # fmt: skip
            answer = page.request.post(url, form=form)
            assert answer.status == 403
            assert "Form expired" in answer.text()
        page.goto(url)
        expect(page.locator("main")).not_to_contain_text("Sneaky")
