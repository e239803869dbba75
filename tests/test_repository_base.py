"""The tenant-scoped repository base and the run's typed configuration: a repository built
on `TenantRepository` sees only its tenant's rows, whatever it is asked; `RunConfig` reads
back exactly what it stored."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from outdial.config import Settings
from outdial.dialer.config import RunConfig
from outdial.flow.repository import FlowRepository
from outdial.kit.auth import Tenant
from outdial.kit.db import make_async_engine, make_sessions
from outdial.models import Flow
from tests.conftest import ACCOUNT_A, ACCOUNT_B, STREAM_A1, STREAM_A2, STREAM_B1

A1 = Tenant("app", ACCOUNT_A, STREAM_A1)
A2 = Tenant("app", ACCOUNT_A, STREAM_A2)
B1 = Tenant("app", ACCOUNT_B, STREAM_B1)
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _flow(tenant: Tenant, index: int) -> Flow:
    return Flow(
        id=f"cf-{tenant.account_id[0]}{tenant.stream_id[-2:]}-{index:04d}",
        account_id=tenant.account_id,
        stream_id=tenant.stream_id,
        name=f"Flow {index}",
        lname=f"flow {index}",
        sip_uri=None,
        created_at=NOW,
        updated_at=NOW,
    )


def test_a_tenant_repository_never_returns_another_tenants_rows(settings: Settings) -> None:
    async def work() -> None:
        engine = make_async_engine(settings.database_url)
        sessions = make_sessions(engine)
        try:
            async with sessions() as session:
                for tenant, count in ((A1, 5), (A2, 3), (B1, 4)):
                    session.add_all(_flow(tenant, i) for i in range(count))
                await session.commit()
            async with sessions() as session:
                mine = FlowRepository(session, A1)
                assert await mine.get(_flow(A2, 0).id) is None, "another stream's row"
                assert await mine.get(_flow(B1, 0).id) is None, "another account's row"
                assert (await mine.get(_flow(A1, 0).id)) is not None
                assert len(await mine.flows()) == 5
                page, total = await mine.paginate(mine.select().order_by(Flow.id), 1, 2)
                assert total == 5 and [f.id for f in page] == [_flow(A1, i).id for i in (1, 2)]
                streamed = [f.id async for f in mine.stream(mine.select(), page=2)]
                assert streamed == [_flow(A1, i).id for i in range(5)]
                assert await mine.by_lname("flow 4") is not None
                assert await FlowRepository(session, A2).by_lname("flow 4") is None
        finally:
            await engine.dispose()

    asyncio.run(work())


DAYS = st.lists(
    st.fixed_dictionaries(
        {"day": st.sampled_from(["MO", "TU", "SU"]), "start": st.just("9:00 AM"),
         "end": st.just("5:00 PM")}
    ),
    min_size=1,
    max_size=3,
)  # fmt: skip


@settings(max_examples=50)
@given(
    attempts=st.integers(1, 100),
    retry=st.integers(1, 1440),
    ring=st.integers(5, 120),
    days=DAYS,
    flow=st.none() | st.just("cf-1"),
    dnc=st.none() | st.just("cl-1"),
    priority=st.integers(1, 5),
    mode=st.sampled_from(["Agentless", "Progressive", "Preview"]),
)
def test_run_config_reads_back_what_it_stored(
    attempts: int,
    retry: int,
    ring: int,
    days: list[dict[str, str]],
    flow: str | None,
    dnc: str | None,
    priority: int,
    mode: str,
) -> None:
    config = RunConfig(
        max_attempts=attempts, retry_minutes=retry, ring_seconds=ring, days=tuple(days),
        timezone="America/New_York", caller_id="+14155550100", flow_id=flow,
        machine_detect="detect", dnc_list_id=dnc, priority=priority, dialing_mode=mode,
        dialing_order="FIFO",
    )  # fmt: skip
    stored = config.to_json()
    assert stored["priority"] == str(priority), "priority stays a string, as Kore sends it"
    assert RunConfig.from_json(stored) == config
