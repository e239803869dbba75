"""`outdial simulate`: whole campaigns in virtual time, an application above the domain.

`scenario` is the SCENARIO.json wire model; `simulate` builds the scenario's account, lists
and campaign through the same services the API uses, runs the same `Engine` on a
`VirtualClock` with the seeded simulated carrier, and reports from what the engine wrote.
Imports kit, models, config, migrations, apps, contact_list, campaign, run, report, dialer
and telephony; nothing imports it but the CLI and the tests.
"""
