"""Campaign schedules (spec §4.11): daily or weekly recurrences that start runs by themselves.

`schemas` reads Kore's bodies, `recurrence` is the pure occurrence math (wall-clock
conversion comes from dialer.windows), `service` enables and disables schedules and starts
due runs, `repository` holds the SQL, `endpoints` the HTTP route, `runner` the loop that
`serve` and `worker` run. May import run, campaign, dialer (its windows), auth, deps,
config, models and kit.
"""
