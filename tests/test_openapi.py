"""The OpenAPI document and the interactive docs: every route of the route table is documented
under each of its prefixes, extensions are marked, and the `auth` header is the security scheme.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from outdial import __version__
from outdial.kit.routing import Route

EXTENSION_MARK = "[outdial extension]"


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    res = client.get("/openapi.json")
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("application/json")
    return dict(res.json())


@pytest.fixture
def route_table(client: TestClient) -> tuple[Route, ...]:
    table = tuple(client.app.state.route_table)  # type: ignore[attr-defined]
    assert table
    return table


def operations(
    document: dict[str, Any], route_table: tuple[Route, ...]
) -> Iterator[tuple[Route, int, str, str, dict[str, Any]]]:
    """(route, prefix index, path, method, operation) for every documented operation."""
    for route in route_table:
        for index, path in enumerate(route.paths()):
            for method in route.methods:
                yield route, index, path, method, document["paths"][path][method.lower()]


def test_document_basics(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "outdial"
    assert document["info"]["version"] == __version__
    assert EXTENSION_MARK in document["info"]["description"]


def test_every_route_path_and_method_is_documented(
    document: dict[str, Any], route_table: tuple[Route, ...]
) -> None:
    paths = document["paths"]
    missing = [
        f"{method} {path}"
        for route in route_table
        for path in route.paths()
        for method in route.methods
        if method.lower() not in paths.get(path, {})
    ]
    assert missing == []


def test_documented_methods_are_exactly_the_routes(
    document: dict[str, Any], route_table: tuple[Route, ...]
) -> None:
    """A path documents the methods its routes serve, and nothing more."""
    expected: dict[str, set[str]] = {}
    for route in route_table:
        for path in route.paths():
            expected.setdefault(path, set()).update(m.lower() for m in route.methods)
    for path, methods in expected.items():
        documented = {m for m in document["paths"][path] if m != "parameters"}
        assert documented == methods, path


def test_extensions_are_marked(document: dict[str, Any], route_table: tuple[Route, ...]) -> None:
    assert any(route.extension for route in route_table)
    for route, index, path, method, operation in operations(document, route_table):
        where = f"{method} {path}"
        if route.extension:
            assert operation.get("x-outdial-extension") is True, where
            assert EXTENSION_MARK in operation["summary"], where
        else:
            assert "x-outdial-extension" not in operation, where
            assert EXTENSION_MARK not in operation["summary"], where
        if index == 0:
            marked = f"{route.summary} {EXTENSION_MARK}" if route.extension else route.summary
            assert operation["summary"] == marked, where
        else:
            assert operation["summary"].endswith("(alternate path)"), where


def test_tags_follow_the_route_table(
    document: dict[str, Any], route_table: tuple[Route, ...]
) -> None:
    for route, _, path, method, operation in operations(document, route_table):
        assert operation["tags"] == [route.tag], f"{method} {path}"


def test_auth_header_is_an_api_key_security_scheme(
    document: dict[str, Any], route_table: tuple[Route, ...]
) -> None:
    schemes = document["components"]["securitySchemes"]
    auth = [
        name
        for name, scheme in schemes.items()
        if scheme.get("type") == "apiKey"
        and scheme.get("in") == "header"
        and scheme.get("name") == "auth"
    ]
    assert len(auth) == 1, schemes
    for _, _, path, method, operation in operations(document, route_table):
        required = {name for entry in operation.get("security", []) for name in entry}
        assert auth[0] in required, f"{method} {path}"


def test_health_is_documented_and_not_an_extension(document: dict[str, Any]) -> None:
    health = document["paths"]["/healthz"]["get"]
    assert "x-outdial-extension" not in health
    assert "security" not in health


def test_operation_ids_are_unique(document: dict[str, Any]) -> None:
    """OpenAPI requires unique operationIds; client generators rely on them."""
    ids = Counter(
        operation["operationId"]
        for item in document["paths"].values()
        for method, operation in item.items()
        if method != "parameters"
    )
    assert [name for name, count in ids.items() if count > 1] == []


def test_docs_page_is_html(client: TestClient) -> None:
    res = client.get("/docs")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/html")
    assert "<html" in res.text.lower()
    assert "swagger-ui" in res.text
    assert "/openapi.json" in res.text


def test_docs_need_no_credentials(client: TestClient) -> None:
    for path in ("/openapi.json", "/docs"):
        assert client.get(path).status_code == 200
