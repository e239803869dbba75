"""What campaigns did: Kore's status route (`view=status` and the per-contact outcome report
`view=contacts`, spec §4.7 and §4.9) and run statistics.

`repository` holds the grouped SQL, `service` the tenant checks and run selection, `views`
the shapes (Kore's for `status?view=contacts`, outdial's for runs), `endpoints` the routes.
May import campaign, auth, deps, config, models, telephony (outcome names) and kit.
"""
