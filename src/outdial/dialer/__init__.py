"""The dialing engine: who is called when, and the at-most-once protocol around each call.

`windows` is pure calling-hours math (the only place local time exists), `pacing` splits lines
and the calls-per-second budget, `outcomes` says what an attempt's outcome means for its
record, `config` is the typed configuration a run follows, `repository` holds every SQL
statement the engine runs, and `engine` is the worker loop shared by `serve`, `worker` and
`simulate`. Imports kit, models and telephony only; runs and simulations drive it from above.
"""
