"""Contact lists (call and do-not-call) and the contacts in them, per spec §4.13.

Endpoints for create/get/update/delete/list, getAllContacts and addContacts; the service owns
naming, duplicate and phone-number rules; the repository owns the SQL. CSV imports (an
extension) live beside them: `upload` (the request's bytes), `csv_reader` and `batch` (parsing
and checking blocks, in worker processes), `pipeline`, `importer` with `import_repository`,
`export`, and `cli` (`outdial contacts import | export`). DNC lists are contact
lists with `listType: "dnc"`; their extra rules live in `outdial.dnc`. May import auth, deps,
config, models and kit.
"""
