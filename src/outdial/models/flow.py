"""Experience flows: named hand-off targets for answered calls, stored per stream."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from outdial.models.base import Base


class Flow(Base):
    """A flow name resolved to a stable `cf-` id; its telephony target is optional."""

    __tablename__ = "flows"
    __table_args__ = (UniqueConstraint("account_id", "stream_id", "lname"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(24))
    stream_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(256))
    lname: Mapped[str] = mapped_column(String(256))
    sip_uri: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
