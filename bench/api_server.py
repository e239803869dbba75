"""The server the API benchmark loads: outdial's app plus a bare Starlette route returning a
fixed JSON document of the same size, both served by one uvicorn process."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import uvicorn
from starlette.requests import Request
from starlette.responses import Response

from outdial.app import create_app
from outdial.config import Settings


def main(url: str, port: int, document: Path) -> None:
    body = document.read_bytes()
    json.loads(body)  # a real JSON document

    async def bare(_: Request) -> Response:
        return Response(body, media_type="application/json")

    app = create_app(Settings(database_url=url, dialer=False, log_level="warning"))
    app.add_route("/bare", bare, methods=["GET"])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))
