"""Route tables: every operation registered under every documented path prefix.

Kore documents the same operation under several prefixes (`/campaign/api/v2/...`,
`/api/v2/...`, v1's `/agentassist/api/v1/...`). Each resource package lists its operations
once as `Route`s; `mount` registers each under its prefixes. The tables are also what the
tenancy tests walk, so a new endpoint is covered without touching them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.routing import APIRoute

from outdial.kit.errors import ERROR_RESPONSES

V2 = "/campaign/api/v2/public/{streamId}"
V2_SHORT = "/api/v2/public/{streamId}"
V1 = "/agentassist/api/v1/public/{streamId}"
V1_CAMPAIGN = "/campaign/api/v1/public/{streamId}"
V1_1 = "/api/1.1/public/{streamId}"
V2_BOTH = (V2, V2_SHORT)

Target = Literal["campaign", "contactList", "run", "trunk", "flow", "none"]


@dataclass(frozen=True)
class Route:
    """One operation: its path after the prefix, methods, handler and prefixes.

    `target` says what the path's id names (for the tenancy matrix); `create` marks routes
    that make a new object from the body.
    """

    name: str
    path: str
    methods: tuple[str, ...]
    endpoint: Callable[..., Any]
    prefixes: tuple[str, ...]
    summary: str
    tag: str
    target: Target = "none"
    extension: bool = False

    def paths(self) -> list[str]:
        return [prefix + self.path for prefix in self.prefixes]


def mount(
    router: APIRouter, routes: Sequence[Route], route_class: type[APIRoute] = APIRoute
) -> None:
    """Register every route under each of its prefixes, one registration per method (so
    every OpenAPI operation has its own id); extensions are marked in OpenAPI."""
    for route in routes:
        summary = route.summary + (" [outdial extension]" if route.extension else "")
        for index, path in enumerate(route.paths()):
            for method in route.methods:
                router.add_api_route(
                    path,
                    route.endpoint,
                    methods=[method],
                    name=f"{route.name}:{method.lower()}#{index}",
                    summary=summary if index == 0 else f"{summary} (alternate path)",
                    tags=[route.tag],
                    openapi_extra={"x-outdial-extension": True} if route.extension else None,
                    route_class_override=route_class,
                    responses=ERROR_RESPONSES,
                )


ApiVersion = Literal["v1", "v2"]


def api_version(request: Request) -> ApiVersion:
    """Which documented API family the request used; response shapes differ between them."""
    return "v1" if "/api/v1/" in request.scope["path"] else "v2"


VersionDep = Annotated[ApiVersion, Depends(api_version)]
