"""All SQL about runs and creating their dial tasks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Row,
    Select,
    case,
    cast,
    func,
    insert,
    literal,
    select,
    text,
    update,
)

from outdial.kit.repository import TenantRepository, owned_by
from outdial.models import Attempt, CampaignContactList, Contact, ContactList, DialTask, Run
from outdial.models.dialing import (
    DNC_OUTCOME,
    HELD,
    LIVE,
    AttemptState,
    Disposition,
    TaskState,
    WaitReason,
    in_state,
)

POSITION_SHIFT = 1 << 40


class RunRepository(TenantRepository[Run]):
    """Runs of one tenant's campaigns (and their tasks and attempts), in the caller's
    session; a run's tasks are reached through a run this repository returned."""

    model = Run

    async def create_tasks(
        self, run: Run, campaign_id: str, order: str, zone: str, now: datetime
    ) -> None:
        """One task per contact of the campaign's lists, in one INSERT ... SELECT.

        The zone is the contact's own, else the one its number implies, else the campaign's.
        `seq` orders the run: list position then list order, reversed for LIFO.
        """
        sign = 1 if order == "FIFO" else -1
        source = (
            select(
                literal(run.id),
                literal(campaign_id),
                literal(run.account_id),
                literal(run.stream_id),
                Contact.id,
                Contact.phone_number,
                func.coalesce(Contact.time_zone, Contact.number_zone, literal(zone)),
                Contact.time_zone.is_(None) & Contact.number_zone.is_(None),
                -func.coalesce(Contact.contact_priority, 0),
                (cast(CampaignContactList.position, BigInteger) * POSITION_SHIFT + Contact.id)
                * sign,
                literal(TaskState.QUEUED.value),
                literal(0),
                literal(now, DialTask.next_attempt_at.type),
                literal(0),
                literal(now, DialTask.updated_at.type),
            )
            .join(CampaignContactList, CampaignContactList.list_id == Contact.list_id)
            .where(CampaignContactList.campaign_id == campaign_id)
        )
        columns = [
            "run_id",
            "campaign_id",
            "account_id",
            "stream_id",
            "contact_id",
            "phone_number",
            "time_zone",
            "zone_from_campaign",
            "rank",
            "seq",
            "state",
            "attempts_made",
            "next_attempt_at",
            "fence",
            "updated_at",
        ]
        await self.session.execute(insert(DialTask).from_select(columns, source))

    async def scrub(self, run: Run, dnc_list_id: str | None, now: datetime) -> None:
        """Exclude, in one statement, every task whose number is on a DNC list at start.

        The lists are named by id and the test is a correlated EXISTS, so each task costs one
        seek in ix_contacts_list_phone whatever the size of the DNC lists."""
        global_ids = await self.session.scalars(
            select(ContactList.id).where(
                ContactList.account_id == run.account_id, ContactList.is_global_dnc.is_(True)
            )
        )
        lists = [*global_ids, *([dnc_list_id] if dnc_list_id else [])]
        if not lists:
            return
        on_dnc = (
            select(Contact.id)
            .where(Contact.list_id.in_(lists), Contact.phone_number == DialTask.phone_number)
            .exists()
        )
        await self.session.execute(
            update(DialTask)
            .where(DialTask.run_id == run.id, on_dnc)
            .values(
                state=TaskState.DONE,
                disposition=Disposition.DNC_EXCLUDED,
                last_outcome=DNC_OUTCOME,
                updated_at=now,
            )
        )

    async def rezone(self, run_id: str, zone: str) -> None:
        """Follow an edited campaign time zone for contacts that had none of their own."""
        await self.session.execute(
            update(DialTask)
            .where(
                DialTask.run_id == run_id,
                DialTask.zone_from_campaign.is_(True),
                in_state(*LIVE),
            )
            .values(time_zone=zone)
        )

    async def requeue_window_waits(self, run_id: str, now: datetime) -> None:
        """Tasks parked until their window opened are queued again, so edited calling hours
        are looked at afresh (the engine parks them again if still closed)."""
        await self.session.execute(
            update(DialTask)
            .where(
                DialTask.run_id == run_id,
                in_state(TaskState.WAITING),
                DialTask.wait_reason == WaitReason.WINDOW,
            )
            .values(state=TaskState.QUEUED, next_attempt_at=now, wait_reason=None)
        )

    async def refresh_statistics(self) -> None:
        """PostgreSQL plans on table statistics; after a run adds many tasks at once they are
        stale until autovacuum catches up, so gather them now (a sample, not a scan)."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(text("ANALYZE dial_tasks"))

    async def call_back(self, run_id: str, task_id: int, at: datetime, now: datetime) -> str:
        """Make a record wait for `at` (reopening it if it had finished); refused while the
        record is being dialed. Returns "scheduled", "not_found" or "in_call"."""
        state = await self.session.scalar(
            select(DialTask.state).where(DialTask.id == task_id, DialTask.run_id == run_id)
        )
        if state is None:
            return "not_found"
        if state in HELD:
            return "in_call"
        await self.session.execute(
            update(DialTask)
            .where(
                DialTask.id == task_id,
                DialTask.run_id == run_id,
                DialTask.state.in_((TaskState.QUEUED, TaskState.WAITING, TaskState.DONE)),
            )
            .values(
                state=TaskState.WAITING,
                next_attempt_at=at,
                wait_reason=WaitReason.CALLBACK,
                callback_at=at,
                disposition=None,
                fence=DialTask.fence + 1,
                updated_at=now,
            )
        )
        return "scheduled"

    async def zones_and_total(self, run_id: str) -> tuple[list[str], int]:
        zones = await self.session.scalars(
            select(DialTask.time_zone).where(DialTask.run_id == run_id).distinct()
        )
        total = await self.session.scalar(
            select(func.count()).select_from(DialTask).where(DialTask.run_id == run_id)
        )
        return sorted(zones), int(total or 0)

    async def cancel_pending(self, run_id: str, now: datetime) -> None:
        """A stopped run dials nothing more: queued and waiting tasks end here."""
        await self.session.execute(
            update(DialTask)
            .where(
                DialTask.run_id == run_id,
                in_state(*LIVE),
                in_state(TaskState.QUEUED, TaskState.WAITING, TaskState.CLAIMED),
            )
            .values(
                state=TaskState.DONE,
                disposition=case(
                    (DialTask.attempts_made > 0, Disposition.RETRY_CANCELLED.value),
                    else_=Disposition.NOT_DIALED.value,
                ),
                lease_owner=None,
                lease_expires_at=None,
                fence=DialTask.fence + 1,
                updated_at=now,
            )
        )

    async def completed_calls(self, run_id: str) -> int:
        stmt = (
            select(func.count())
            .select_from(Attempt)
            .where(
                Attempt.run_id == run_id,
                Attempt.state.in_((AttemptState.DONE, AttemptState.UNKNOWN)),
            )
        )
        return int(await self.session.scalar(stmt) or 0)

    def attempts_query(self, campaign_id: str, run_id: str | None) -> Select[Attempt, str | None]:
        """Attempts of a campaign (or one run) with the contact's uniqueId, in attempt order."""
        stmt = (
            select(Attempt, Contact.unique_id)
            .join(DialTask, DialTask.id == Attempt.task_id)
            .join(Contact, Contact.id == DialTask.contact_id, isouter=True)
            .where(
                Attempt.campaign_id == campaign_id,
                owned_by(Attempt, self.tenant),
            )
            .order_by(Attempt.id)
        )
        return stmt.where(Attempt.run_id == run_id) if run_id else stmt

    async def attempts_page(
        self, campaign_id: str, run_id: str | None, after: int, limit: int
    ) -> Sequence[Row[Attempt, str | None]]:
        stmt = self.attempts_query(campaign_id, run_id).where(Attempt.id > after)
        return (await self.session.execute(stmt.limit(limit))).all()

    async def attempts_newest(
        self,
        campaign_id: str,
        run_id: str | None,
        outcome: str | None,
        digits: str,
        skip: int,
        limit: int,
    ) -> Sequence[Row[Attempt, str | None]]:
        """A page of attempts, newest first, optionally of one outcome (`in_progress`: not
        ended yet) and of numbers containing `digits`."""
        stmt = self.attempts_query(campaign_id, run_id).order_by(None)
        if outcome == "in_progress":
            stmt = stmt.where(Attempt.outcome.is_(None))
        elif outcome:
            stmt = stmt.where(Attempt.outcome == outcome)
        if digits:
            stmt = stmt.where(Attempt.phone_number.like(f"%{digits}%"))
        page = stmt.order_by(Attempt.id.desc()).offset(skip).limit(limit)
        return (await self.session.execute(page)).all()
