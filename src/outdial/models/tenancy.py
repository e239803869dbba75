"""Accounts, the apps (JWT clients) that act for them, and used JWT ids."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outdial.models.base import Base


class Account(Base):
    """A contact-center account: owns lines and a calling rate shared by its campaigns."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), default="")
    lines: Mapped[int] = mapped_column(Integer)
    cps: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime]


class App(Base):
    """A JWT app: client id `cs-...`, the HMAC secret, one account, a set of streams."""

    __tablename__ = "apps"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    client_secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    secret_rotated_at: Mapped[datetime | None]
    streams: Mapped[list[AppStream]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AppStream.stream_id"
    )


class AppStream(Base):
    """A stream (`st-...`) an app may act on."""

    __tablename__ = "app_streams"

    app_id: Mapped[str] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True)
    stream_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class JtiUse(Base):
    """A `jti` already presented, kept until its token expires so a replay is refused."""

    __tablename__ = "jti_uses"

    app_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    jti: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
