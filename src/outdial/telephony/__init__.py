"""Telephony backends behind one Protocol: the simulated carrier and (later) SIP.

`base` defines what the engine asks for (`CallRequest`) and gets back (`CallResult`);
`simulated` is the seeded, deterministic carrier that runs on any `Clock`. Imports kit only.
"""
