"""Telephony backends behind one Protocol: the simulated carrier and SIP.

`base` defines what the engine asks for (`CallRequest`) and gets back (`CallResult`);
`simulated` is the seeded, deterministic carrier that runs on any `Clock`; `sip` is the
asyncio SIP user agent. A backend learns routes through a `Directory` it is given, so this
package imports kit only (checked by `make lint`).
"""
