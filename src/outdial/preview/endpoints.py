"""HTTP endpoint for the pre-launch preview of a campaign (an outdial extension)."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from outdial.auth.route import TenantDep
from outdial.deps import ClockDep, ReadSessionDep
from outdial.kit.responses import success
from outdial.kit.routing import V2_BOTH, Route
from outdial.preview.service import PreviewService


async def preview_campaign(
    campaignId: str, clock: ClockDep, tenant: TenantDep, session: ReadSessionDep
) -> JSONResponse:
    """Before a run: contacts it would dial, those DNC lists exclude, rows refused for their
    numbers at import, and per time zone the contacts to dial and when calling hours open."""
    data = await PreviewService(session, tenant).preview(campaignId, clock.now())
    return success(data, "")


ROUTES = (
    Route("previewCampaign", "/campaign/{campaignId}/preview", ("GET",), preview_campaign,
          V2_BOTH, "What a run would dial, by time zone", "Campaign runs", target="campaign",
          extension=True),
)  # fmt: skip
