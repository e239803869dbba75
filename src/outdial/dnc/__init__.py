"""Do-not-call rules beyond plain list storage.

DNC lists are contact lists (`listType: "dnc"`, see `outdial.contact_list`). This package adds
the removeContacts extension and, for the dialer, the set-based checks of a number against a
campaign's DNC list and the account's global DNC list. Imports kit, models, apps.auth and
contact_list.
"""
