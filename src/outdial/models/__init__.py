"""SQLAlchemy tables, one module per aggregate; nothing here holds behaviour.

Importing this package registers every table on `Base.metadata`, which Alembic compares
against. Every tenant-owned row carries `account_id` and `stream_id`. The vocabularies stored
in columns (task states, wait reasons, dispositions) are enums beside their tables. Imports no
other outdial package.
"""

from outdial.models.base import Base
from outdial.models.campaign import Campaign, CampaignContactList
from outdial.models.contact_list import Contact, ContactList
from outdial.models.dialing import Attempt, DialTask, Run
from outdial.models.flow import Flow
from outdial.models.imports import ImportJob, ImportRowError
from outdial.models.tenancy import Account, App, AppStream, JtiUse
from outdial.models.trunk import Trunk

__all__ = [
    "Account",
    "App",
    "AppStream",
    "Attempt",
    "Base",
    "Campaign",
    "CampaignContactList",
    "Contact",
    "ContactList",
    "DialTask",
    "Flow",
    "ImportJob",
    "ImportRowError",
    "JtiUse",
    "Run",
    "Trunk",
]
