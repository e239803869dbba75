"""JWT apps (client id + secret), the accounts they act for, and request authentication.

`service` creates apps and rotates secrets (used by the CLI); `auth` turns the `auth` header,
the accountId and the path's stream id into a `Tenant` for every endpoint. Imports kit and
models only.
"""
