"""The auth matrix: the `auth` header's JWT (spec §6), the jti rules, secret rotation, and how
accountId, iid and the path's stream pin a request to its tenant (spec §2.2, design §2).

Every refusal is compared with its exact body: Kore's 401 `Invalid SDK credentials` (4002) for
any bad token, the sdk-security bodies for the two jti rules, a 400 naming the field for
contradictory accountId / iid values.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient

from outdial.apps.service import Credentials, rotate_secret
from outdial.config import Settings
from outdial.kit.db import make_async_engine, make_sessions
from outdial.kit.ids import client_secret
from tests.api import V2, Api
from tests.conftest import ACCOUNT_A, ACCOUNT_B, STREAM_A1, STREAM_A2, STREAM_B1, make_credentials
from tests.kore import sample

LISTS = "/campaign/contactList/getAllListDetails"
CREATE_LIST = "/campaign/contactList/createContactList"
INVALID = {"errors": [{"msg": "Invalid SDK credentials", "code": 4002}]}
REPLAY = sample("sdk-security-jti-replay-error-response")
JTI_EXPIRY = sample("sdk-security-jti-expiry-error-response")
AUDIENCE = "https://idproxy.kore.ai/authorize"
UNGRANTED_STREAM = "st-aaaaaaa3-0000-4000-8000-000000000003"


# --- token building -------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _segment(obj: dict[str, Any]) -> str:
    return _b64(json.dumps(obj, separators=(",", ":")).encode())


def hand_made(
    alg: str, claims: dict[str, Any], key: str | None = None, digest: Any = hashlib.sha256
) -> str:
    """A JWT built by hand: header `{"alg": alg, "typ": "JWT"}`, HMAC-signed with `key` when
    given, else with an empty signature."""
    signing_input = f"{_segment({'alg': alg, 'typ': 'JWT'})}.{_segment(claims)}"
    if key is None:
        return signing_input + "."
    mac = hmac.new(key.encode(), signing_input.encode(), digest).digest()
    return f"{signing_input}.{_b64(mac)}"


def documented(creds: Credentials, **extra: Any) -> str:
    """The token exactly as Kore's docs build it (spec §6, api-introduction payload)."""
    claims = sample("api-introduction-jwt-payload") | {"appId": creds.client_id} | extra
    return jwt.encode(claims, creds.client_secret, algorithm="HS256")


def with_jti(creds: Credentials, jti: str | None = None, lifetime: int = 600) -> str:
    now = int(time.time())
    return documented(creds, jti=jti or str(uuid.uuid4()), iat=now, exp=now + lifetime)


# --- requests -------------------------------------------------------------------------------


def lists_url(stream: str = STREAM_A1) -> str:
    return V2.format(stream=stream) + LISTS


def get_lists(
    client: TestClient,
    headers: dict[str, str],
    params: dict[str, str] | None = None,
    stream: str = STREAM_A1,
) -> httpx.Response:
    """getAllListDetails with exactly the headers and query given, nothing added."""
    return client.get(lists_url(stream), headers=headers, params=params or {})


def as_app(client: TestClient, creds: Credentials, token: str, **kw: Any) -> httpx.Response:
    return get_lists(client, {"auth": token}, {"accountId": creds.account_id}, **kw)


def assert_ok(res: httpx.Response) -> None:
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "success", res.text


def assert_refused(res: httpx.Response, body: Any = INVALID, status: int = 401) -> None:
    assert (res.status_code, res.json()) == (status, body), res.text


def assert_bad_field(res: httpx.Response, field: str, *mentions: str) -> None:
    """A 400 whose single error names `field` (and quotes the values at odds)."""
    assert res.status_code == 400, res.text
    errors = res.json()["errors"]
    assert len(errors) == 1, errors
    assert set(errors[0]) == {"msg", "code", "field"}, errors
    assert (errors[0]["code"], errors[0]["field"]) == (400, field), errors
    assert all(value in errors[0]["msg"] for value in mentions), errors


def rotate(settings: Settings, app_id: str) -> Credentials:
    """`outdial apps rotate-secret`, straight through the service."""

    async def work() -> Credentials:
        engine = make_async_engine(settings.database_url)
        try:
            async with make_sessions(engine)() as session:
                return await rotate_secret(session, app_id)
        finally:
            await engine.dispose()

    return asyncio.run(work())


# --- 401 4002: the header or the token is wrong ---------------------------------------------

BAD_HEADERS: dict[str, Callable[[Credentials], dict[str, str]]] = {
    "no auth header": lambda c: {},
    "empty auth header": lambda c: {"auth": ""},
    "garbage token": lambda c: {"auth": "not.a.jwt"},
    "random text": lambda c: {"auth": "hello"},
    "Authorization: Bearer instead of auth": lambda c: {"Authorization": f"Bearer {documented(c)}"},
    "Authorization without Bearer": lambda c: {"Authorization": documented(c)},
    "auth with a Bearer prefix": lambda c: {"auth": f"Bearer {documented(c)}"},
}


def _claims(c: Credentials, **extra: Any) -> dict[str, Any]:
    return {"sub": "1234567890", "appId": c.client_id, **extra}


def _hs256(claims: dict[str, Any], secret: str) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def _tampered(c: Credentials) -> str:
    head, _, sig = documented(c).split(".")
    return f"{head}.{_segment(_claims(c, sub='someone-else'))}.{sig}"


BAD_TOKENS: dict[str, Callable[[Credentials], str]] = {
    "signed with another secret": lambda c: _hs256(_claims(c), client_secret()),
    "alg none, empty signature": lambda c: hand_made("none", _claims(c)),
    "alg None, empty signature": lambda c: hand_made("None", _claims(c)),
    "alg none with a valid HMAC signature": lambda c: hand_made(
        "none", _claims(c), c.client_secret
    ),
    "HS256 with the signature stripped": lambda c: documented(c).rsplit(".", 1)[0] + ".",
    "HS256 with a tampered payload": _tampered,
    "HS512 with the right secret": lambda c: hand_made(
        "HS512", _claims(c), c.client_secret, hashlib.sha512
    ),
    "HS384 with the right secret": lambda c: hand_made(
        "HS384", _claims(c), c.client_secret, hashlib.sha384
    ),
    "RS256 header over an HMAC signature": lambda c: hand_made(
        "RS256", _claims(c), c.client_secret
    ),
    "lowercase hs256 header": lambda c: hand_made("hs256", _claims(c), c.client_secret),
    "claim spelled appid": lambda c: _hs256({"sub": "1", "appid": c.client_id}, c.client_secret),
    "claim spelled AppId": lambda c: _hs256({"sub": "1", "AppId": c.client_id}, c.client_secret),
    "claim spelled app_id": lambda c: _hs256({"sub": "1", "app_id": c.client_id}, c.client_secret),
    "claim spelled App ID": lambda c: _hs256({"sub": "1", "App ID": c.client_id}, c.client_secret),
    "no appId claim": lambda c: _hs256({"sub": "1234567890"}, c.client_secret),
    "empty appId": lambda c: _hs256({"sub": "1", "appId": ""}, c.client_secret),
    "appId not a string": lambda c: _hs256({"sub": "1", "appId": 12345}, c.client_secret),
    "appId of an unknown app": lambda c: _hs256(
        {"sub": "1", "appId": f"cs-{uuid.uuid4()}"}, c.client_secret
    ),
    "appId of 1000 characters": lambda c: _hs256(
        {"sub": "1", "appId": "cs-" + "x" * 997}, client_secret()
    ),
    "expired exp": lambda c: _hs256(
        _claims(c, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600), c.client_secret
    ),
    "expired exp with a valid jti window": lambda c: _hs256(
        _claims(c, jti=str(uuid.uuid4()), iat=int(time.time()) - 1200, exp=int(time.time()) - 600),
        c.client_secret,
    ),
    "secret base64-decoded instead of literal": lambda c: jwt.encode(
        _claims(c),
        base64.urlsafe_b64decode(c.client_secret + "=" * (-len(c.client_secret) % 4)),
        algorithm="HS256",
    ),
}


@pytest.mark.parametrize("case", list(BAD_HEADERS))
def test_bad_auth_header_is_401_4002(client: TestClient, creds: Credentials, case: str) -> None:
    headers = BAD_HEADERS[case](creds)
    assert_refused(get_lists(client, headers, {"accountId": creds.account_id}))


@pytest.mark.parametrize("case", list(BAD_TOKENS))
def test_bad_token_is_401_4002(client: TestClient, creds: Credentials, case: str) -> None:
    assert_refused(as_app(client, creds, BAD_TOKENS[case](creds)))


def test_rs256_token_is_401_4002(client: TestClient, creds: Credentials) -> None:
    pytest.importorskip(
        "cryptography",
        reason="cryptography is not installed, so no RSA key can sign an RS256 token here",
    )
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    token = jwt.encode(_claims(creds), pem, algorithm="RS256")
    assert_refused(as_app(client, creds, token))


def test_token_of_another_app_signed_with_this_apps_secret(
    client: TestClient, settings: Settings, creds: Credentials
) -> None:
    other = make_credentials(settings, ACCOUNT_A, [STREAM_A1], name="other")
    token = _hs256({"sub": "1", "appId": other.client_id}, creds.client_secret)
    assert_refused(as_app(client, creds, token))


def test_malformed_body_without_auth_is_401(client: TestClient) -> None:
    """Authentication answers before the body is even parsed."""
    url = V2.format(stream=STREAM_A1) + CREATE_LIST
    res = client.post(url, content=b"{not json", headers={"Content-Type": "application/json"})
    assert_refused(res)


# --- the documented happy path --------------------------------------------------------------


def test_documented_token_works(client: TestClient, creds: Credentials) -> None:
    token = jwt.encode(
        {"sub": "1234567890", "appId": creds.client_id}, creds.client_secret, algorithm="HS256"
    )
    assert_ok(as_app(client, creds, token))
    assert_ok(as_app(client, creds, token))  # without jti a token may be used again


def test_token_with_audience_and_extra_claims_works(client: TestClient, creds: Credentials) -> None:
    now = int(time.time())
    token = documented(
        creds,
        aud=AUDIENCE,
        iss=creds.client_id,
        iat=now,
        exp=now + 7200,
        isAnonymous=False,
        identityToMerge="john.doe@example.com",
        roles=["a", "b"],
    )
    assert_ok(as_app(client, creds, token))


def test_token_with_a_list_audience_works(client: TestClient, creds: Credentials) -> None:
    assert_ok(as_app(client, creds, documented(creds, aud=[AUDIENCE, "other"])))


# --- jti ------------------------------------------------------------------------------------


def test_jti_token_works_once_then_is_a_replay(client: TestClient, creds: Credentials) -> None:
    token = with_jti(creds)
    assert_ok(as_app(client, creds, token))
    res = as_app(client, creds, token)
    assert_refused(res, REPLAY)
    assert res.json() == {
        "errors": [{"msg": "error verifying the jwt: possibly a replay", "code": 401}]
    }
    assert_refused(as_app(client, creds, token), REPLAY)


def test_jti_replay_is_refused_on_every_stream_and_route(
    client: TestClient, creds: Credentials
) -> None:
    token = with_jti(creds)
    assert_ok(as_app(client, creds, token, stream=STREAM_A1))
    assert_refused(as_app(client, creds, token, stream=STREAM_A2), REPLAY)
    api = Api(client, creds, STREAM_A1, token=token)
    assert_refused(api.get("/campaign/getAllCampaignDetails"), REPLAY)


def test_jti_lifetime_of_exactly_one_hour_works(client: TestClient, creds: Credentials) -> None:
    assert_ok(as_app(client, creds, with_jti(creds, lifetime=3600)))


def test_a_fresh_jti_works_each_time(client: TestClient, creds: Credentials) -> None:
    for _ in range(3):
        assert_ok(as_app(client, creds, with_jti(creds)))


def _jti_claims(c: Credentials, **times: int) -> str:
    return _hs256(_claims(c, jti=str(uuid.uuid4()), **times), c.client_secret)


JTI_EXPIRY_CASES: dict[str, Callable[[Credentials, int], str]] = {
    "exp - iat = 3601": lambda c, now: _jti_claims(c, iat=now, exp=now + 3601),
    "exp - iat = 2 hours": lambda c, now: _jti_claims(c, iat=now - 60, exp=now + 7140),
    "jti without exp or iat": lambda c, now: _jti_claims(c),
    "jti without exp": lambda c, now: _jti_claims(c, iat=now),
    "jti without iat": lambda c, now: _jti_claims(c, exp=now + 600),
}


@pytest.mark.parametrize("case", list(JTI_EXPIRY_CASES))
def test_jti_lifetime_rule(client: TestClient, creds: Credentials, case: str) -> None:
    res = as_app(client, creds, JTI_EXPIRY_CASES[case](creds, int(time.time())))
    assert_refused(res, JTI_EXPIRY)
    assert res.json()["errors"][0]["msg"] == (
        'error verifying the jwt: if "jti" claim "exp" must be <= 1 hour(s)'
    )


def test_same_jti_for_two_apps_is_not_a_replay(
    client: TestClient, settings: Settings, creds: Credentials
) -> None:
    other = make_credentials(settings, ACCOUNT_B, [STREAM_B1], name="tenant B")
    jti = str(uuid.uuid4())
    assert_ok(as_app(client, creds, with_jti(creds, jti)))
    assert_ok(as_app(client, other, with_jti(other, jti), stream=STREAM_B1))
    assert_refused(as_app(client, other, with_jti(other, jti), stream=STREAM_B1), REPLAY)


def test_same_jti_for_two_apps_of_one_account_is_not_a_replay(
    client: TestClient, settings: Settings, creds: Credentials
) -> None:
    other = make_credentials(settings, ACCOUNT_A, [STREAM_A1], name="second app")
    jti = str(uuid.uuid4())
    assert_ok(as_app(client, creds, with_jti(creds, jti)))
    assert_ok(as_app(client, other, with_jti(other, jti)))


def test_request_refused_later_still_consumes_the_jti(
    client: TestClient, creds: Credentials
) -> None:
    token = with_jti(creds)
    api = Api(client, creds, STREAM_A1, token=token)
    res = api.post(CREATE_LIST, json={"description": "no name"})
    assert res.status_code == 400, res.text
    assert res.json()["errors"][0]["field"] == "name", res.text
    assert_refused(as_app(client, creds, token), REPLAY)


def test_request_refused_for_its_stream_still_consumes_the_jti(
    client: TestClient, creds: Credentials
) -> None:
    token = with_jti(creds)
    assert_refused(as_app(client, creds, token, stream=UNGRANTED_STREAM))
    assert_refused(as_app(client, creds, token), REPLAY)


def test_jti_with_a_bad_lifetime_is_checked_before_replay(
    client: TestClient, creds: Credentials
) -> None:
    now = int(time.time())
    token = _jti_claims(creds, iat=now, exp=now + 7200)
    assert_refused(as_app(client, creds, token), JTI_EXPIRY)
    assert_refused(as_app(client, creds, token), JTI_EXPIRY)


def test_very_long_jti_never_fails_with_500(client: TestClient, creds: Credentials) -> None:
    """Malformed input never yields a 500: a 1000-character jti works or is refused."""
    token = with_jti(creds, "j" * 1000)
    first = as_app(client, creds, token)
    assert first.status_code in (200, 401), first.text
    if first.status_code == 200:
        assert_refused(as_app(client, creds, token), REPLAY)


# --- secret rotation ------------------------------------------------------------------------


def test_rotate_secret_invalidates_old_tokens(
    client: TestClient, settings: Settings, creds: Credentials
) -> None:
    old = documented(creds)
    assert_ok(as_app(client, creds, old))
    rotated = rotate(settings, creds.client_id)
    assert rotated.client_id == creds.client_id
    assert rotated.client_secret != creds.client_secret
    assert_refused(as_app(client, creds, old))
    assert_refused(as_app(client, creds, documented(creds)))  # a new token, old secret
    assert_ok(as_app(client, rotated, documented(rotated)))
    assert_ok(as_app(client, rotated, with_jti(rotated), stream=STREAM_A2))


def test_rotating_one_app_leaves_others_working(
    client: TestClient, settings: Settings, creds: Credentials
) -> None:
    other = make_credentials(settings, ACCOUNT_A, [STREAM_A1], name="other")
    rotate(settings, other.client_id)
    assert_ok(as_app(client, creds, documented(creds)))
    assert_refused(as_app(client, other, documented(other)))


# --- accountId ------------------------------------------------------------------------------


def test_account_in_query_only(client: TestClient, creds: Credentials) -> None:
    assert_ok(get_lists(client, {"auth": documented(creds)}, {"accountId": ACCOUNT_A}))


@pytest.mark.parametrize("header", ["accountId", "accountid", "ACCOUNTID", "AccountId"])
def test_account_in_header_only(client: TestClient, creds: Credentials, header: str) -> None:
    assert_ok(get_lists(client, {"auth": documented(creds), header: ACCOUNT_A}))


def test_account_in_query_and_header_agreeing(client: TestClient, creds: Credentials) -> None:
    headers = {"auth": documented(creds), "accountid": ACCOUNT_A}
    assert_ok(get_lists(client, headers, {"accountId": ACCOUNT_A}))


@pytest.mark.parametrize(
    ("query", "header"),
    [(ACCOUNT_A, ACCOUNT_B), (ACCOUNT_B, ACCOUNT_A), (ACCOUNT_A, "c" * 24)],
    ids=["query A header B", "query B header A", "query A header unknown"],
)
def test_account_in_query_and_header_disagreeing_is_400(
    client: TestClient, creds: Credentials, query: str, header: str
) -> None:
    headers = {"auth": documented(creds), "accountId": header}
    res = get_lists(client, headers, {"accountId": query})
    assert_bad_field(res, "accountId", query, header)


def test_no_account_anywhere_means_the_apps_own(client: TestClient, creds: Credentials) -> None:
    api = Api(client, creds, STREAM_A1)
    res = api.post(CREATE_LIST, query=False, json={"name": "No account", "description": ""})
    assert res.status_code == 200, res.text
    list_id = res.json()["data"]["_id"]
    assert api.get(f"/campaign/contactList/{list_id}").status_code == 200
    listed = api.get(LISTS, query=False)
    assert_ok(listed)
    assert list_id in {item["_id"] for item in listed.json()["data"]}


@pytest.mark.parametrize("where", ["query", "header"])
@pytest.mark.parametrize(
    "account", [ACCOUNT_B, "c" * 24, "not-an-account"], ids=["account B", "unknown", "garbage"]
)
def test_another_account_is_401(
    client: TestClient, settings: Settings, creds: Credentials, where: str, account: str
) -> None:
    make_credentials(settings, ACCOUNT_B, [STREAM_B1], name="tenant B")
    token = documented(creds)
    if where == "query":
        res = get_lists(client, {"auth": token}, {"accountId": account})
    else:
        res = get_lists(client, {"auth": token, "accountId": account})
    assert_refused(res)


# --- iid and the path's stream --------------------------------------------------------------


@pytest.mark.parametrize("header", ["iid", "IID"])
def test_iid_matching_the_path(client: TestClient, creds: Credentials, header: str) -> None:
    headers = {"auth": documented(creds), header: STREAM_A1}
    assert_ok(get_lists(client, headers, {"accountId": ACCOUNT_A}))


@pytest.mark.parametrize("iid", [STREAM_A2, STREAM_B1, "st-other"])
def test_iid_not_matching_the_path_is_400(client: TestClient, creds: Credentials, iid: str) -> None:
    headers = {"auth": documented(creds), "iid": iid}
    res = get_lists(client, headers, {"accountId": ACCOUNT_A})
    assert_bad_field(res, "iid", iid)


def test_every_granted_stream_works(client: TestClient, creds: Credentials) -> None:
    for stream in creds.streams:
        assert_ok(as_app(client, creds, documented(creds), stream=stream))


def test_ungranted_stream_of_the_same_account_is_401(
    client: TestClient, settings: Settings, creds: Credentials
) -> None:
    narrow = make_credentials(settings, ACCOUNT_A, [STREAM_A1], name="narrow")
    assert_ok(as_app(client, narrow, documented(narrow), stream=STREAM_A1))
    assert_refused(as_app(client, narrow, documented(narrow), stream=STREAM_A2))
    assert_refused(as_app(client, creds, documented(creds), stream=UNGRANTED_STREAM))


def test_stream_of_another_account_is_401(
    client: TestClient, settings: Settings, creds: Credentials
) -> None:
    other = make_credentials(settings, ACCOUNT_B, [STREAM_B1], name="tenant B")
    assert_ok(as_app(client, other, documented(other), stream=STREAM_B1))
    assert_refused(as_app(client, creds, documented(creds), stream=STREAM_B1))
    headers = {"auth": documented(creds), "iid": STREAM_B1}
    assert_refused(get_lists(client, headers, {"accountId": ACCOUNT_B}, stream=STREAM_B1))
