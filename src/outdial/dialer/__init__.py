"""The dialing engine: who is called when, and the at-most-once protocol around each call.

`windows` is pure calling-hours math (the only place local time exists), `pacing` splits lines
and the calls-per-second budget, `repository` holds every SQL statement the engine runs,
`engine` is the worker loop shared by `serve`, `worker` and `simulate`, and `simulate` drives a
whole campaign in virtual time. Imports kit, models, telephony and run.
"""
