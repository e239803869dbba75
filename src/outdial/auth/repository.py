"""The SQL authentication needs: an app's key, and `jti` values already presented."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from outdial.auth.cache import AppKey
from outdial.models import App, JtiUse


class KeyRepository:
    """Reads what authentication needs of an app."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def key(self, app_id: str) -> AppKey | None:
        app = await self.session.get(App, app_id)
        if app is None:
            return None
        streams = frozenset(s.stream_id for s in app.streams)
        return AppKey(app.id, app.client_secret, app.account_id, streams)


class JtiRepository:
    """Remembers presented `jti` values until their tokens expire."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, app_id: str, jti: str, expires_at: datetime, now: datetime) -> bool:
        """Record a first use; False when this app presented the jti before (a replay).
        The jti is stored as its SHA-256, so any length fits."""
        await self.session.execute(delete(JtiUse).where(JtiUse.expires_at < now))
        digest = hashlib.sha256(jti.encode()).hexdigest()
        self.session.add(JtiUse(app_id=app_id, jti=digest, expires_at=expires_at))
        try:
            await self.session.commit()
        except IntegrityError:
            await self.session.rollback()
            return False
        return True
