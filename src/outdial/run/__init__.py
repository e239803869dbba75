"""Runs (Kore's campaign instances): starting, pausing, resuming and stopping campaigns, and
the per-attempt record they leave.

`service` owns the trigger state machine (and wakes the dialer after each trigger),
`repository` builds a run's dial tasks with set-based SQL, `endpoints` serves the trigger
paths, call-backs and the attempts export. May import campaign, dialer (the run's typed
configuration), auth, deps, config, models and kit.
"""
