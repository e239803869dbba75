"""Do-not-call rules beyond plain list storage.

DNC lists are contact lists (`listType: "dnc"`, see `outdial.contact_list`). This package adds
the removeContacts extension. May import contact_list, auth, deps, config, models and kit.
"""
