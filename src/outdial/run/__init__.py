"""Runs (Kore's campaign instances): starting, pausing, resuming and stopping campaigns, and
the per-attempt record they leave.

`service` owns the trigger state machine, `repository` builds a run's dial tasks with
set-based SQL, `endpoints` serves the trigger paths and the attempts export. Imports kit,
models, apps.auth, campaign and dialer.
"""
