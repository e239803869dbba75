"""SIP trunks: where an account's calls go, with the trunk's own limits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from outdial.models.base import Base


class Trunk(Base):
    """A SIP trunk of one account (every stream of the account sees it). The password is
    needed in clear to answer digest challenges; the API and CLI never show it."""

    __tablename__ = "sip_trunks"
    __table_args__ = (UniqueConstraint("account_id", "lname"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(64))
    lname: Mapped[str] = mapped_column(String(64))
    uri: Mapped[str] = mapped_column(String(512))
    transport: Mapped[str] = mapped_column(String(8))
    username: Mapped[str] = mapped_column(String(128))
    password: Mapped[str] = mapped_column(String(256))
    cps: Mapped[float] = mapped_column(Float)
    max_calls: Mapped[int] = mapped_column(Integer)
    is_default: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
