"""Contact lists (call and do-not-call) and their contacts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from outdial.models.base import Base, BigId


class ContactList(Base):
    """A named list of numbers: `list_type` 'call' feeds campaigns, 'dnc' blocks numbers.

    `record_count` is maintained in the same transaction as every insert or delete, so the
    list answers its size without counting millions of rows.
    """

    __tablename__ = "contact_lists"
    __table_args__ = (
        UniqueConstraint("account_id", "stream_id", "lname"),
        Index(
            "uq_contact_lists_one_global_dnc",
            "account_id",
            unique=True,
            sqlite_where=text("is_global_dnc"),
            postgresql_where=text("is_global_dnc"),
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(24))
    stream_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(48))
    lname: Mapped[str] = mapped_column(String(48))
    description: Mapped[str] = mapped_column(String(256))
    list_type: Mapped[str] = mapped_column(String(8))
    is_global_dnc: Mapped[bool] = mapped_column(Boolean, default=False)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(32))
    allow_duplicates: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    default_region: Mapped[str | None] = mapped_column(String(2))
    columns: Mapped[list[Any]]
    files: Mapped[list[Any]]
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Contact(Base):
    """One row of a list. `id` is the list order (FIFO/LIFO); `cc-` ids derive from it."""

    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_list_phone", "list_id", "phone_number"),
        Index("ix_contacts_list_order", "list_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    list_id: Mapped[str] = mapped_column(
        ForeignKey("contact_lists.id", ondelete="CASCADE"), index=False
    )
    account_id: Mapped[str] = mapped_column(String(24))
    stream_id: Mapped[str] = mapped_column(String(64))
    phone_number: Mapped[str] = mapped_column(String(16))
    first_name: Mapped[str | None] = mapped_column(String(300))
    last_name: Mapped[str | None] = mapped_column(String(300))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    # the one zone phonenumbers gives for the number, when it gives exactly one
    number_zone: Mapped[str | None] = mapped_column(String(64))
    unique_id: Mapped[str | None] = mapped_column(String(300))
    contact_priority: Mapped[int | None] = mapped_column(Integer)
    custom: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
