"""The SIP backend: an asyncio user agent client that places the campaign's calls on a trunk.

Layers, bottom up: `grammar` and `message` (parsing untrusted bytes, building messages),
`transport` (UDP, TCP), `transaction` (RFC 3261 client transactions and their timers),
`endpoint` (matching what arrives to transactions and dialogs; dropping what is malformed),
`auth` (digest), `dialog`, `call` (INVITE to final response, CANCEL at ring time), `answer`
(ACK, REFER or hold, BYE), `limits` (a trunk's calls per second and concurrent calls),
`outcomes` (status codes to outcomes), `config` and `backend` (the `Telephony` protocol).
Imports kit and telephony.base only; per-account trunks reach it through a `Directory`.
"""
