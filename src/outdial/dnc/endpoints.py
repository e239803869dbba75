"""HTTP endpoint for removing numbers from a DNC list (an outdial extension)."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from outdial.auth.route import TenantDep
from outdial.deps import SessionDep, SettingsDep
from outdial.dnc.schemas import RemoveContactsBody
from outdial.dnc.service import remove_numbers
from outdial.kit.responses import plain
from outdial.kit.routing import V1_1, Route

REMOVE_MESSAGE = "Removing contacts from public list is completed"


async def remove_contacts(
    body: RemoveContactsBody, tenant: TenantDep, session: SessionDep, settings: SettingsDep
) -> JSONResponse:
    """Remove numbers from a DNC list by name, in the style of addContacts. The count of
    entries removed comes back in the X-Outdial-Removed header."""
    removed = await remove_numbers(session, tenant, body, settings.default_region)
    return plain({"message": REMOVE_MESSAGE}, {"X-Outdial-Removed": str(removed)})


ROUTES = (
    Route("removeContacts", "/campaign/contactList/removeContacts", ("POST",), remove_contacts,
          (V1_1,), "Remove numbers from a DNC list", "Contact and DNC lists", extension=True),
)  # fmt: skip
