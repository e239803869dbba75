"""The web dashboard at /ui: server-rendered pages (Jinja2) enhanced by a vendored htmx.

Operators sign in with an app's client id and secret and see what that app's API calls would
see. Views call the same services as the API (never the API over HTTP); `session` signs the
cookie, `auth` turns it into a tenant, `forms` maps the campaign form onto the API's body,
`chart` draws outcomes as SVG, and `routes` lists every URL. May import every package below
the app itself except `simulation`.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from outdial.web.render import install_handlers
from outdial.web.routes import router
from outdial.web.session import Signer, signing_key

STATIC_PATH = "/ui/static"


def install(app: FastAPI) -> None:
    """Serve the dashboard from `app`: its pages, static files, session key and error pages."""
    app.state.web_signer = Signer(signing_key(app.state.settings.secret_key))
    app.include_router(router())
    static = StaticFiles(directory=str(files("outdial.web") / "static"))
    app.mount(STATIC_PATH, static, name="ui-static")
    install_handlers(app)
