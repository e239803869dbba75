"""What campaigns did: the per-contact outcome report (spec §4.9) and run statistics.

`repository` holds the grouped SQL, `service` the tenant checks and run selection, `views`
the shapes (Kore's for `status?view=contacts`, outdial's for runs), `endpoints` the routes.
Imports kit, models, apps.auth and campaign.
"""
