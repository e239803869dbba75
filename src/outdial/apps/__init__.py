"""App management: JWT apps (client id + secret), the accounts they act for, and the first
app `make run` bootstraps.

`service` creates apps, rotates secrets and sets account limits (used by the CLI, the
dashboard's sign-in and `simulate`); `repository` holds their SQL. Checking a request's
credentials is `outdial.auth`'s job. Imports kit, models, config and contact_list (every new
account gets its Default Global DNC list).
"""
