"""SIP routing data: per-account trunks and per-flow SIP URIs (an outdial extension).

`endpoints` (HTTP), `schemas`, `service` (rules), `repository` (SQL), `views` (JSON shapes),
`cli` (`outdial trunks ...`) and `directory`, which the SIP backend asks for each call's
route. A trunk belongs to an account and is seen from every stream of it; flows belong to a
stream. Passwords are stored for digest authentication and never shown again. May import
flow, telephony (its SIP configuration), auth, deps, config, models and kit.
"""
