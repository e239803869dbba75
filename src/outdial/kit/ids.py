"""Identifiers in the shapes Kore uses.

Campaigns, lists and runs use a UUID whose first group is 7 hex digits (`cd-9e14b72-88cc-...`);
contacts, flows and apps use a full UUID (`cf-ecfa3927-eabc-...`). Accounts are 24 hex digits.
"""

from __future__ import annotations

import secrets
import uuid

_NAMESPACE = uuid.UUID("5d0c1f4e-8c4b-4f0e-9a57-6f7574646961")


def short_id(prefix: str) -> str:
    """`prefix-xxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, the Kore shape for campaigns and lists."""
    return f"{prefix}-{str(uuid.uuid4())[1:]}"


def full_id(prefix: str) -> str:
    """`prefix-<uuid4>`, the Kore shape for apps and streams."""
    return f"{prefix}-{uuid.uuid4()}"


def derived_id(prefix: str, *parts: object) -> str:
    """A stable id derived from its parts, so it need not be stored (contacts, orgs, users)."""
    name = "\x1f".join(str(p) for p in parts)
    return f"{prefix}-{uuid.uuid5(_NAMESPACE, name)}"


def account_id() -> str:
    """A 24-hex account id like Kore's."""
    return secrets.token_hex(12)


def client_secret() -> str:
    """A client secret: 32 random bytes, URL-safe, used as the literal HMAC key."""
    return secrets.token_urlsafe(32)


def dialing_id(run_id: str, task_id: int) -> str:
    """A record's id within a run (Kore's `campaignDialingListId`, `cid-...`): the task number
    in the first group, the run's id in the rest, so it is read back without a lookup."""
    return f"cid-{task_id:07x}-{run_id.split('-', 2)[2]}"


def parse_dialing_id(value: str) -> tuple[int, str] | None:
    """(task id, run id tail) from a dialing id, or None when it is not one of ours."""
    parts = value.split("-", 2)
    if len(parts) != 3 or parts[0] != "cid":
        return None
    try:
        return int(parts[1], 16), parts[2]
    except ValueError:
        return None


def attempt_id(task_id: int, attempt_no: int) -> str:
    """The public id of an attempt: its task and number, unique by constraint, known before
    the row is written (so the insert needs no round trip back)."""
    return f"att-{task_id}-{attempt_no}"
