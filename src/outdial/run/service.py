"""The trigger state machine: play, stop, pause and resume.

play (Ready, Stopped or Completed) starts a new run from the whole list; stop ends the run
(queued work is cancelled, calls in flight finish); pause keeps the run and dials nothing new;
resume continues it with the campaign's current configuration, so edits made while paused
apply from then on. Anything else is a 409 naming the status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from outdial.campaign.repository import CampaignRepository
from outdial.dialer.config import RunConfig
from outdial.kit import ids
from outdial.kit.auth import Tenant
from outdial.kit.errors import conflict, not_found
from outdial.models import Campaign, Run
from outdial.models.dialing import RunStatus
from outdial.run.repository import RunRepository

PLAYABLE = ("Ready", "Stopped", "Completed")
AGENT_MODES = ("Progressive", "Preview")
ANALYZE_ABOVE = 10_000


@dataclass(frozen=True)
class Triggered:
    """What a trigger answers: the campaign's new status and its run."""

    status: str
    message: str
    run_id: str
    updated_at: datetime
    completed_calls: int | None = None


def run_config(campaign: Campaign) -> RunConfig:
    """The dialing configuration a run follows (snapshotted at start and on resume)."""
    return RunConfig(
        max_attempts=campaign.max_attempts,
        retry_minutes=campaign.retry_period_min,
        ring_seconds=campaign.max_ring_time_s,
        days=tuple(campaign.days),
        timezone=campaign.timezone,
        caller_id=campaign.caller_id,
        flow_id=campaign.flow_id,
        machine_detect=campaign.machine_detect,
        dnc_list_id=campaign.dnc_list_id,
        priority=int(campaign.priority),
        dialing_mode=campaign.dialing_mode,
        dialing_order=campaign.dialing_order,
    )


def _no_dialer() -> None:
    """What a caller without a dialer of its own wakes (another process will notice)."""


class RunService:
    """Triggers for one tenant's campaigns within one session. `wake` is called after each
    committed trigger, so this process's dialer acts on it at once instead of at its tick."""

    def __init__(
        self, session: AsyncSession, tenant: Tenant, wake: Callable[[], None] = _no_dialer
    ) -> None:
        self.session = session
        self.tenant = tenant
        self.wake = wake
        self.campaigns = CampaignRepository(session, tenant)
        self.runs = RunRepository(session, tenant)

    async def _campaign(self, campaign_id: str) -> Campaign:
        row = await self.campaigns.get(campaign_id, lock=True)
        if row is None:
            raise not_found(f"Campaign {campaign_id} not found")
        return row

    async def _current_run(self, campaign: Campaign) -> Run:
        run = await self.runs.get(campaign.current_run_id or "")
        if run is None:
            raise conflict(f"Campaign {campaign.name} has no run")
        return run

    async def trigger(self, campaign_id: str, action: str, now: datetime) -> Triggered:
        campaign = await self._campaign(campaign_id)
        handler = {
            "play": self.play,
            "stop": self.stop,
            "pause": self.pause,
            "resume": self.resume,
        }[action]
        result = await handler(campaign, now)
        campaign.run_updated_at = now
        await self.session.commit()
        self.wake()
        return result

    async def play(self, campaign: Campaign, now: datetime) -> Triggered:
        if campaign.status == "Paused":
            raise conflict(f"Campaign {campaign.name} is Paused; use trigger=resume", "trigger")
        if campaign.status not in PLAYABLE:
            raise conflict(
                f"Campaign {campaign.name} is {campaign.status} and cannot be started", "trigger"
            )
        if campaign.dialing_mode in AGENT_MODES:
            raise conflict(
                f"{campaign.dialing_mode} campaigns connect calls to agents, and outdial has no "
                "agent routing yet; only Agentless campaigns can be started",
                "trigger",
            )
        run = await self._new_run(campaign, now)
        campaign.status, campaign.current_run_id = "Active", run.id
        campaign.recurrence_enabled = bool(campaign.recurrence_enabled)
        return Triggered("Active", "Campaign Started", run.id, now, 0)

    async def _new_run(self, campaign: Campaign, now: datetime) -> Run:
        run = Run(
            id=ids.short_id("cid"),
            campaign_id=campaign.id,
            account_id=campaign.account_id,
            stream_id=campaign.stream_id,
            status=RunStatus.ACTIVE,
            config=run_config(campaign).to_json(),
            zones=[],
            total_tasks=0,
            started_at=now,
            ended_at=None,
            updated_at=now,
        )
        self.runs.add(run)
        await self.runs.flush()
        await self.runs.create_tasks(
            run, campaign.id, campaign.dialing_order, campaign.timezone, now
        )
        await self.runs.scrub(run, campaign.dnc_list_id, now)
        run.zones, run.total_tasks = await self.runs.zones_and_total(run.id)
        if run.total_tasks >= ANALYZE_ABOVE:
            await self.runs.refresh_statistics()
        return run

    async def scheduled_start(self, campaign: Campaign, now: datetime) -> str:
        """A schedule's occurrence: end a run still going, then start afresh from the whole
        list. The caller commits."""
        if campaign.status in ("Active", "Paused") and campaign.current_run_id:
            run = await self._current_run(campaign)
            run.status, run.ended_at, run.updated_at = RunStatus.STOPPED, now, now
            await self.runs.cancel_pending(run.id, now)
        run = await self._new_run(campaign, now)
        campaign.status, campaign.current_run_id, campaign.run_updated_at = "Active", run.id, now
        return run.id

    async def stop(self, campaign: Campaign, now: datetime) -> Triggered:
        if campaign.status not in ("Active", "Paused"):
            raise conflict(f"Campaign {campaign.name} is {campaign.status}, not running", "trigger")
        run = await self._current_run(campaign)
        run.status, run.ended_at, run.updated_at = RunStatus.STOPPED, now, now
        await self.runs.cancel_pending(run.id, now)
        campaign.status = "Stopped"
        return Triggered("Stopped", "Campaign Stopped", run.id, now)

    async def pause(self, campaign: Campaign, now: datetime) -> Triggered:
        if campaign.status != "Active":
            raise conflict(f"Campaign {campaign.name} is {campaign.status}, not Active", "trigger")
        run = await self._current_run(campaign)
        run.status, run.updated_at = RunStatus.PAUSED, now
        campaign.status = "Paused"
        return Triggered("Paused", "Campaign Paused", run.id, now)

    async def resume(self, campaign: Campaign, now: datetime) -> Triggered:
        if campaign.status != "Paused":
            raise conflict(f"Campaign {campaign.name} is {campaign.status}, not Paused", "trigger")
        run = await self._current_run(campaign)
        if RunConfig.from_json(run.config).timezone != campaign.timezone:
            await self.runs.rezone(run.id, campaign.timezone)
            run.zones, _ = await self.runs.zones_and_total(run.id)
        run.status, run.config = RunStatus.ACTIVE, run_config(campaign).to_json()
        run.updated_at = now
        await self.runs.requeue_window_waits(run.id, now)
        campaign.status = "Active"
        done = await self.runs.completed_calls(run.id)
        return Triggered("Active", "Campaign Resumed", run.id, now, done)
