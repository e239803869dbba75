"""Request authentication: the `auth` JWT, the accountId and the path's stream, for every
Kore endpoint.

`route` holds `AuthenticatedRoute` (authenticates before the body is read) and the
`TenantDep` every endpoint takes; `cache` keeps app credentials briefly per process;
`repository` reads an app's key and remembers used `jti` values. This package sits below every
resource package, so any of them can authenticate without importing app management
(`outdial.apps`). Imports kit, models and deps only.
"""
