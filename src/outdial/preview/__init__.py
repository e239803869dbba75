"""The pre-launch preview of a campaign (an outdial extension): what a run started now would
dial, what DNC lists would exclude, how many uploaded rows were refused for their numbers, and
when each time zone's calling window opens. Read-only, set-based SQL. May import campaign,
dialer (its windows), auth, deps, config, models and kit."""
