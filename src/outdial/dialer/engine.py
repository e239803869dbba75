"""The dialing engine: one worker's loop, the same in `serve`, `worker` and `simulate`.

A pass is two transactions. The first records finished calls, renews this worker's leases
(and recovers those of vanished workers), queues what fell due, parks queued tasks of zones
whose window is closed, and claims tasks within each account's free lines and rate. The
second re-checks, right before dialing, that the run is still active, the window open and the
number on no DNC list, and that the rate allows the call; it commits the attempt rows. Only
after that commit is the telephony backend asked to call. Only the clock and the backend
differ between real and simulated runs.

Each transaction is one synchronous function run in a worker thread on a blocking
SQLAlchemy engine: the engine issues a dozen statements per pass, forever, and a thread
hand-off per transaction costs far less than an async round trip per statement.
"""

from __future__ import annotations

import asyncio
import functools
import math
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

import structlog
from sqlalchemy import Engine as Database

from outdial.dialer import metrics
from outdial.dialer.config import RunConfig
from outdial.dialer.outcomes import after_attempt
from outdial.dialer.pacing import Contender, RateWindow, allocate
from outdial.dialer.repository import ActiveRun, Dial, EngineRepository, Finish, Held
from outdial.dialer.windows import Hours, is_open, next_open
from outdial.kit.clock import Clock
from outdial.kit.ids import dialing_id
from outdial.models.dialing import DNC_OUTCOME, Disposition, RunStatus, TaskState, WaitReason
from outdial.telephony.base import CallRequest, CallResult, Outcome, Telephony

log = structlog.get_logger(__name__)
FAR_FUTURE = timedelta(days=7)
T = TypeVar("T")


def worker_id() -> str:
    """Unique per process start: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class EngineSettings:
    """Knobs of one worker. `quantum_s` > 0 batches work: finished calls wake the engine at
    the next multiple of the quantum, so calls ending close together are recorded in one
    pass (used by `simulate`, where a pass costs far more than the virtual time it takes)."""

    worker: str = field(default_factory=worker_id)
    lease_s: float = 30.0
    tick_s: float = 1.0
    recover_every_s: float = 5.0
    batch: int = 200
    quantum_s: float = 0.0


@dataclass
class _Flight:
    dial: Dial
    config: RunConfig
    result: CallResult | None = None
    done: bool = False


@dataclass
class _Pass:
    """What one pass learned, for deciding what to do and when to run the next."""

    runs: list[ActiveRun] = field(default_factory=list)
    claimed: int = 0
    rate_free_at: list[datetime] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)


Launch = tuple[Dial, RunConfig, CallRequest]


class Engine:
    """One worker: a blocking database engine, a clock and a telephony backend."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        telephony: Telephony,
        settings: EngineSettings | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.telephony = telephony
        self.settings = settings or EngineSettings()
        self.waker = clock.waker()
        self.flights: dict[int, _Flight] = {}
        self.claimed: dict[int, Held] = {}  # leased here, not dialed yet (lease-protected)
        self.stopping = False
        self.active_runs = -1  # unknown until the first pass
        self.passes = 0  # finished passes (tests wait for some instead of sleeping)
        self._next_heartbeat = clock.now()
        self._next_recovery = clock.now()
        self._hours: dict[str, Hours] = {}
        self._zone_open: dict[tuple[str, str, str], bool] = {}

    @property
    def worker(self) -> str:
        return self.settings.worker

    def _lease(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.settings.lease_s)

    def hours(self, run: ActiveRun) -> Hours:
        key = run.config.hours_key
        if key not in self._hours:
            self._hours[key] = Hours.from_days(list(run.config.days))
        return self._hours[key]

    async def _tx(self, work: Callable[[EngineRepository], T]) -> T:
        """Run `work` in one transaction, in a worker thread."""

        def run() -> T:
            with self.db.begin() as conn:
                return work(EngineRepository(conn))

        return await asyncio.to_thread(run)

    # ---- the loop -------------------------------------------------------------------------

    async def run(
        self, until: Callable[[], bool] | None = None, deadline: datetime | None = None
    ) -> None:
        """Work until `until()` is true, `deadline` passes or `stop()` is called, then let
        calls in flight finish."""

        def over() -> bool:
            late = deadline is not None and self.clock.now() >= deadline
            return self.stopping or late or (until is not None and until())

        while not over():
            delay = await self.step()
            if over():
                break
            if deadline is not None:
                delay = min(delay, (deadline - self.clock.now()).total_seconds())
            await self.waker.wait(delay)
        await self.drain()

    def stop(self) -> None:
        self.stopping = True
        self.waker.wake()

    async def drain(self) -> None:
        """Wait for calls in flight and record them: stop, pause and shutdown never cut a
        call short."""
        while self.flights:
            done = self._done()
            await self._tx(functools.partial(self._record_only, done, self.clock.now()))
            self._forget(done)
            if self.flights:
                await self.waker.wait(self.settings.quantum_s or self.settings.tick_s)

    async def step(self) -> float:
        """One pass; returns how long to wait before the next one."""
        now = self.clock.now()
        done = self._done()
        state = await self._tx(lambda repo: self._collect(repo, done, now))
        self._forget(done)
        for task_id in state.lost:
            log.warning("lease lost while calling", task=task_id)
        launches, delay = await self._tx(lambda repo: self._dial_and_plan(repo, state, now))
        for launch in launches:
            self._launch(*launch)
        self.passes += 1
        return delay

    def _dial_and_plan(
        self, repo: EngineRepository, state: _Pass, now: datetime
    ) -> tuple[list[Launch], float]:
        """The second transaction: pre-dial checks and attempt rows, then what comes next."""
        launches = self._predial_all(repo, state, now) if state.runs else []
        return launches, self._delay(repo, state, now)

    def _record_only(self, done: Sequence[_Flight], now: datetime, repo: EngineRepository) -> None:
        self._record(repo, done, set(), now)

    def _done(self) -> list[_Flight]:
        return [f for f in self.flights.values() if f.done]

    def _forget(self, done: Sequence[_Flight]) -> None:
        for flight in done:
            self.flights.pop(flight.dial.held.task_id, None)
        metrics.IN_FLIGHT.set(len(self.flights))

    def _collect(self, repo: EngineRepository, done: Sequence[_Flight], now: datetime) -> _Pass:
        """The first transaction: record, keep leases, schedule and claim."""
        state = _Pass(runs=repo.runs())
        self.active_runs = len(state.runs)
        self._record(repo, done, {r.id for r in state.runs}, now)
        state.lost = self._housekeeping(repo, now)
        zones = self._schedule(repo, state.runs, now)
        for account_runs in _by_account(state.runs):
            state.claimed += self._claim(repo, account_runs, zones, now)
        return state

    # ---- recording ------------------------------------------------------------------------

    def _record(
        self, repo: EngineRepository, done: Sequence[_Flight], active: set[str], now: datetime
    ) -> None:
        """Write the outcome of every finished call. The writes are conditional on the
        attempt still DIALING and the task's fence, so a call whose lease this worker lost
        leaves the recovery's record alone."""
        if not done:
            return
        statuses = repo.run_statuses({f.dial.held.run_id for f in done} - active)
        repo.finish([self._finish(f, statuses, now) for f in done], self.worker)

    def _finish(self, flight: _Flight, statuses: dict[str, str], now: datetime) -> Finish:
        result = flight.result
        outcome = result.outcome if result else Outcome.UNKNOWN
        ended = result.ended_at if result else now
        config = flight.config
        step = after_attempt(
            outcome, flight.dial.attempt_no, config.max_attempts, config.retry_minutes, ended
        )
        state, disposition = step.state, step.disposition
        stopped = statuses.get(flight.dial.held.run_id) == RunStatus.STOPPED
        if state == TaskState.WAITING and stopped:
            state, disposition = TaskState.DONE, Disposition.RETRY_CANCELLED
        metrics.ATTEMPTS.labels(outcome.value).inc()
        return Finish(
            dial=flight.dial,
            outcome=outcome.value,
            answered_at=result.answered_at if result else None,
            ended_at=ended,
            reason=result.reason if result else "backend error: outcome unknown",
            state=state,
            next_attempt_at=step.next_attempt_at,
            disposition=disposition,
        )

    # ---- leases ---------------------------------------------------------------------------

    def _housekeeping(self, repo: EngineRepository, now: datetime) -> list[int]:
        """Renew this worker's leases and recover expired ones; returns tasks whose lease
        this worker lost while calling."""
        lost: list[int] = []
        if now >= self._next_heartbeat:
            if self.flights or self.claimed:
                held = repo.heartbeat(self.worker, self._lease(now))
                lost = [t for t, f in list(self.flights.items()) if t not in held and not f.done]
            self._next_heartbeat = now + timedelta(seconds=self.settings.lease_s / 3)
        if now >= self._next_recovery:
            self._recover(repo, now)
            self._next_recovery = now + timedelta(seconds=self.settings.recover_every_s)
        return lost

    def _recover(self, repo: EngineRepository, now: datetime) -> None:
        """Expired CLAIMED was never dialed: requeue. Expired DIALING: outcome unknown,
        counted as an attempt and retried no sooner than the retry period."""
        requeued = repo.requeue_expired_claims(now)
        unknown = 0
        for task_id, attempts, config in repo.expired_dials(now, self.settings.batch):
            step = after_attempt(
                Outcome.UNKNOWN, attempts, config.max_attempts, config.retry_minutes, now
            )
            unknown += repo.mark_unknown(
                task_id, attempts, now, step.state, step.next_attempt_at, step.disposition
            )
        if requeued or unknown:
            log.info("recovered expired leases", requeued=requeued, unknown=unknown)
            metrics.ATTEMPTS.labels(Outcome.UNKNOWN.value).inc(unknown)

    # ---- scheduling -----------------------------------------------------------------------

    def _schedule(
        self, repo: EngineRepository, runs: Sequence[ActiveRun], now: datetime
    ) -> dict[str, list[str]]:
        """Queue what is due; park queued tasks of closed zones until their window opens.
        Windows are computed once per zone, never per contact."""
        if not runs:
            return {}
        promoted = repo.promote([r.id for r in runs], now)
        zones: dict[str, list[str]] = {}
        for run in runs:
            hours = self.hours(run)
            zones[run.id] = []
            for zone in run.zones:
                now_open = is_open(hours, zone, now)
                key = (run.id, zone, run.config.hours_key)
                changed = self._zone_open.get(key) != now_open
                self._zone_open[key] = now_open
                if now_open:
                    zones[run.id].append(zone)
                elif changed or promoted:
                    until = next_open(hours, zone, now) or now + FAR_FUTURE
                    repo.defer_zone(run.id, zone, until, now)
        return zones

    def _claim(
        self,
        repo: EngineRepository,
        runs: Sequence[ActiveRun],
        zones: dict[str, list[str]],
        now: datetime,
    ) -> int:
        """Lease as many queued tasks as the account's free lines and rate allow, shared
        between its running campaigns by priority."""
        if self.stopping:
            return 0
        account = runs[0]
        repo.lock_account(account.account_id)
        held = repo.held_by_run(account.account_id)
        rate = RateWindow.for_cps(account.cps)
        recent = repo.count_starts_since(account.account_id, now - timedelta(seconds=rate.seconds))
        mine = {r.id for r in runs}
        waiting = sum(1 for h in self.claimed.values() if h.run_id in mine)
        budget = min(
            account.lines - sum(held.values()), rate.limit - recent - waiting, self.settings.batch
        )
        candidates = [r for r in runs if zones.get(r.id)]
        if budget <= 0 or not candidates:
            return 0
        shares = self._shares(repo, candidates, held, budget)
        claimed = 0
        for run in candidates:
            if shares.get(run.id):
                got = repo.claim(
                    run.id, zones[run.id], shares[run.id], self.worker, self._lease(now)
                )
                self.claimed.update((h.task_id, h) for h in got)
                claimed += len(got)
        return claimed

    def _shares(
        self,
        repo: EngineRepository,
        runs: Sequence[ActiveRun],
        held: dict[str, int],
        budget: int,
    ) -> dict[str, int]:
        if len(runs) == 1:
            return {runs[0].id: budget}
        contenders = [
            Contender(r.id, r.config.priority, held.get(r.id, 0), repo.queued(r.id, budget))
            for r in runs
        ]
        return allocate(budget, contenders)

    def _predial_all(self, repo: EngineRepository, state: _Pass, now: datetime) -> list[Launch]:
        """The pre-dial transaction for every account this worker holds claims in."""
        runs = {r.id: r for r in state.runs}
        stale = [h for h in self.claimed.values() if h.run_id not in runs]
        self._release(repo, stale, TaskState.QUEUED, {})  # their run was paused or stopped
        launches: list[Launch] = []
        for account_runs in _by_account(state.runs):
            launches += self._predial(repo, account_runs[0], runs, now, state)
        return launches

    def _predial(
        self,
        repo: EngineRepository,
        account: ActiveRun,
        runs: dict[str, ActiveRun],
        now: datetime,
        state: _Pass,
    ) -> list[Launch]:
        """Right before dialing: run still active, window open, number on no DNC list, rate
        not exceeded. Survivors get their attempt rows; the caller commits, then dials."""
        mine = [
            h
            for h in self.claimed.values()
            if h.run_id in runs and runs[h.run_id].account_id == account.account_id
        ]
        if not mine:
            return []
        repo.lock_account(account.account_id)
        statuses = repo.run_statuses({h.run_id for h in mine})
        ready = self._screen(repo, mine, runs, statuses, now)
        rate = RateWindow.for_cps(account.cps)
        recent = repo.starts_since(account.account_id, now - timedelta(seconds=rate.seconds))
        allowed = max(rate.limit - len(recent), 0)
        if len(ready) > allowed:  # the rate binds: wake when the oldest start leaves the window
            starts = [*recent, *([now] * allowed)]
            state.rate_free_at.append(starts[-rate.limit] + timedelta(seconds=rate.seconds))
        ready = ready[:allowed]
        if not ready:
            return []
        dials = repo.begin_attempts(ready, self.worker, now, self._lease(now))
        for held in ready:  # dialed now, or lost to a recovery: either way no longer ours
            self.claimed.pop(held.task_id, None)
        contacts = repo.contacts([d.held.contact_id for d in dials])
        return [
            (d, runs[d.held.run_id].config, _request(d, runs[d.held.run_id], contacts))
            for d in dials
        ]

    def _screen(
        self,
        repo: EngineRepository,
        mine: Sequence[Held],
        runs: dict[str, ActiveRun],
        statuses: dict[str, str],
        now: datetime,
    ) -> list[Held]:
        """Release what may not be dialed now; return the rest in dialing order."""
        inactive = [h for h in mine if statuses.get(h.run_id) != RunStatus.ACTIVE]
        self._release(repo, inactive, TaskState.QUEUED, {})
        live = [h for h in mine if h not in inactive]
        closed: dict[datetime, list[Held]] = defaultdict(list)
        for h in live:
            hours = self.hours(runs[h.run_id])
            if not is_open(hours, h.zone, now):
                closed[next_open(hours, h.zone, now) or now + FAR_FUTURE].append(h)
        for until, group in closed.items():
            values = {"next_attempt_at": until, "wait_reason": WaitReason.WINDOW}
            self._release(repo, group, TaskState.WAITING, values)
        parked = {h.task_id for group in closed.values() for h in group}
        live = [h for h in live if h.task_id not in parked]
        blocked = self._blocked(repo, live, runs)
        values = {
            "disposition": Disposition.DNC_EXCLUDED,
            "last_outcome": DNC_OUTCOME,
            "updated_at": now,
        }
        self._release(repo, blocked, TaskState.DONE, values)
        metrics.DNC_EXCLUDED.inc(len(blocked))
        skip = {h.task_id for h in blocked}
        return [h for h in live if h.task_id not in skip]

    def _release(
        self, repo: EngineRepository, held: Sequence[Held], state: TaskState, values: dict[str, Any]
    ) -> None:
        repo.release(held, self.worker, state, values)
        for task in held:
            self.claimed.pop(task.task_id, None)

    def _blocked(
        self, repo: EngineRepository, live: Sequence[Held], runs: dict[str, ActiveRun]
    ) -> list[Held]:
        """Tasks whose number is on the run's DNC list or the account's global DNC list."""
        blocked: list[Held] = []
        for run_id in {h.run_id for h in live}:
            run = runs[run_id]
            phones = [h.phone for h in live if h.run_id == run_id]
            numbers = repo.blocked(run.account_id, run.config.dnc_list_id, phones)
            blocked += [h for h in live if h.run_id == run_id and h.phone in numbers]
        return blocked

    def _launch(self, dial: Dial, config: RunConfig, request: CallRequest) -> None:
        flight = _Flight(dial, config)
        self.flights[dial.held.task_id] = flight
        metrics.IN_FLIGHT.set(len(self.flights))
        self.clock.spawn(self._call(flight, request), name=f"call-{dial.attempt_id}")

    async def _call(self, flight: _Flight, request: CallRequest) -> None:
        try:
            flight.result = await self.telephony.place_call(request)
        except Exception:
            log.exception("telephony backend failed; outcome unknown", attempt=request.attempt_id)
        flight.done = True
        if self.settings.quantum_s:
            await self.clock.sleep(_to_boundary(self.clock.now(), self.settings.quantum_s))
        self.waker.wake()

    # ---- completion and pacing ------------------------------------------------------------

    def _delay(self, repo: EngineRepository, state: _Pass, now: datetime) -> float:
        """Runs with nothing left are Completed; then the seconds until something can
        happen: a task falls due, the rate window frees up, a lease needs renewing. Finished
        calls wake the engine themselves."""
        if state.claimed >= self.settings.batch:
            return 0.0
        deadlines = [*state.rate_free_at, now + timedelta(seconds=self.settings.tick_s)]
        if self.flights or self.claimed:
            deadlines += [self._next_heartbeat, self._next_recovery]
        if state.runs and not state.claimed and not self.flights:
            for run in state.runs:
                if not repo.unfinished(run.id) and repo.complete(run.id, run.campaign_id, now):
                    self.active_runs -= 1
            due = repo.next_due([r.id for r in state.runs])
            if due is not None:
                deadlines.append(due)
        return max((min(deadlines) - now).total_seconds(), 0.0)


def _to_boundary(now: datetime, quantum: float) -> float:
    """Seconds from `now` to the next multiple of `quantum` (in epoch seconds)."""
    stamp = now.timestamp()
    return (math.floor(stamp / quantum) + 1) * quantum - stamp


def _by_account(runs: Sequence[ActiveRun]) -> list[list[ActiveRun]]:
    """Runs grouped per account, accounts in a fixed order (so locks never deadlock)."""
    grouped: dict[str, list[ActiveRun]] = defaultdict(list)
    for run in runs:
        grouped[run.account_id].append(run)
    return [grouped[key] for key in sorted(grouped)]


def _request(dial: Dial, run: ActiveRun, contacts: dict[int, Any]) -> CallRequest:
    """What the backend needs for one attempt; the contact's fields travel to the flow."""
    context: dict[str, Any] = {
        "attemptNumber": dial.attempt_no,
        "campaignId": run.campaign_id,
        "campaignInstanceId": run.id,
        "campaignDialingListId": dialing_id(run.id, dial.held.task_id),
        "timeZone": dial.held.zone,
    }
    contact = contacts.get(dial.held.contact_id)
    if contact is not None:
        fields = {
            "firstName": contact.first_name,
            "lastName": contact.last_name,
            "uniqueId": contact.unique_id,
        }
        context.update({k: v for k, v in fields.items() if v is not None})
        context.update(contact.custom or {})
    return CallRequest(
        attempt_id=dial.attempt_id,
        to=dial.held.phone,
        caller_id=run.config.caller_id,
        ring_timeout_s=float(run.config.ring_seconds),
        flow_id=run.config.flow_id,
        machine_detect=run.config.machine_detect,
        context=context,
        account_id=run.account_id,
        campaign_id=run.campaign_id,
        run_id=run.id,
        attempt_no=dial.attempt_no,
    )
