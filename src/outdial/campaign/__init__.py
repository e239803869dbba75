"""Voice campaigns: create/get/update/delete/list (spec §3.1, §4.1-4.8).

`schemas` are the wire models, `service` owns the rules and the status machine, `repository`
the SQL, `views` Kore's response shapes per operation and API version, `endpoints` the thin
HTTP layer (the status route belongs to `outdial.report`). May import contact_list, flow,
auth, deps, config, models and kit.
"""
