"""Contact lists (call and do-not-call) and the contacts in them, per spec §4.13.

Endpoints for create/get/update/delete/list, getAllContacts and addContacts; the service owns
naming, duplicate and phone-number rules; the repository owns the SQL. DNC lists are contact
lists with `listType: "dnc"`; their extra rules live in `outdial.dnc`. Imports kit, models,
apps.auth and dnc.
"""
