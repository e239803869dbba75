"""Campaigns and the contact lists they dial, in order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from outdial.models.base import Base


class Campaign(Base):
    """A voice campaign's whole configuration and its lifecycle status."""

    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("account_id", "stream_id", "lname"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(24))
    stream_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(48))
    lname: Mapped[str] = mapped_column(String(48))
    description: Mapped[str] = mapped_column(String(256))
    campaign_type: Mapped[str] = mapped_column(String(8))
    dialing_mode: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(1))
    caller_id: Mapped[str] = mapped_column(String(16))
    frequency: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))
    days: Mapped[list[Any]]
    dialing_order: Mapped[str] = mapped_column(String(4))
    max_attempts: Mapped[int] = mapped_column(Integer)
    retry_period_min: Mapped[int] = mapped_column(Integer)
    max_ring_time_s: Mapped[int] = mapped_column(Integer)
    flow_id: Mapped[str | None] = mapped_column(ForeignKey("flows.id"))
    queue_name: Mapped[str | None] = mapped_column(String(256))
    max_skips: Mapped[int | None] = mapped_column(Integer)
    machine_detect: Mapped[str] = mapped_column(String(12))
    dnc_list_id: Mapped[str | None] = mapped_column(ForeignKey("contact_lists.id"))
    status: Mapped[str] = mapped_column(String(16))
    is_filters_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    scheduling_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # None until the campaign is first saved again (update, run or schedule): Kore's list items
    # show `isRecurrenceEnabled` only from then on.
    recurrence_enabled: Mapped[bool | None] = mapped_column(Boolean)
    # the recurrence set with the schedule API, and when its next run starts (None: none)
    schedule: Mapped[dict[str, Any] | None]
    next_run_at: Mapped[datetime | None] = mapped_column(index=True)
    current_run_id: Mapped[str | None] = mapped_column(String(64))
    run_updated_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CampaignContactList(Base):
    """A contact list a campaign dials; `position` keeps the order they were named in."""

    __tablename__ = "campaign_contact_lists"

    campaign_id: Mapped[str] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    list_id: Mapped[str] = mapped_column(
        ForeignKey("contact_lists.id"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)
