"""CSV imports into contact and DNC lists: streamed, validated in parallel, all or nothing.

An import claims its list (one import per list at a time: a second one is refused with 409),
then reads the upload as it arrives: it is cut into blocks of whole records here, each block is
parsed and validated by `validate_row` in a worker process (phone-number validation is most of
the cost, and it is CPU-bound), and valid rows are staged in a temporary table. Only when the
whole file has been read are they moved into the list, in file order, in one transaction
that also updates its `record_count`, so a failure at any point (bad header, lost connection,
killed server) leaves the list's contents as they were. The list shows `Validating` meanwhile
and `Validated` or `Invalid` after, as Kore's UI does; refused rows are kept with their line
numbers and reasons.

The work runs in a thread with a blocking connection of its own; validation is in `pipeline`,
whose feeder thread reads the request's body through `anyio.from_thread`, so memory holds a
few blocks, never the file.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread
import structlog
from anyio.lowlevel import EventLoopToken
from sqlalchemy import Engine

from outdial.contact_list.batch import Checked, Spec
from outdial.contact_list.csv_reader import CsvFile, CsvFileError
from outdial.contact_list.import_repository import ImportRepository, TargetList
from outdial.contact_list.pipeline import validated
from outdial.contact_list.schemas import ImportQuery
from outdial.contact_list.upload import Upload, UploadLostError
from outdial.kit import ids
from outdial.kit.auth import Tenant
from outdial.kit.errors import ApiError, ErrorItem, conflict, not_found
from outdial.kit.timefmt import utcnow

log = structlog.get_logger(__name__)
T = TypeVar("T")
PROGRESS_EVERY_S = 1.0
INTERRUPTED = "the import was interrupted (its server stopped before it finished)"
UPLOAD_LOST = "the upload was interrupted before the end of the file"
INTERNAL = "the import failed on an internal error; the list is unchanged"


class ImportRefusedError(ApiError):
    """A 400 for a file that cannot be imported; the answer names the failed import."""

    def __init__(self, job_id: str, msg: str, field: str) -> None:
        super().__init__(400, [ErrorItem(msg, 400, field)], {"X-Outdial-Import-Id": job_id})
        self.job_id = job_id


@dataclass
class Tally:
    total: int = 0
    valid: int = 0
    invalid: int = 0


@dataclass(frozen=True)
class Claimed:
    job_id: str
    target: TargetList
    region: str


def sweep(repo: ImportRepository, list_id: str, now: datetime) -> str | None:
    """End the list's imports whose process is gone (the list turns Invalid: its contents
    never changed); the id of one still alive, if any. Call under the list's lock."""
    live = None
    for job in repo.running_jobs(list_id):
        if repo.alive(job, now):
            live = job.id
            continue
        repo.update_job(job.id, status="failed", error=INTERRUPTED, finished_at=now, updated_at=now)
        repo.update_list(list_id, status="Invalid", updated_at=now)
    return live


def _job_values(
    job_id: str, tenant: Tenant, target: TargetList, options: ImportQuery, now: datetime
) -> dict[str, Any]:
    return {
        "id": job_id,
        "list_id": target.id,
        "account_id": tenant.account_id,
        "stream_id": tenant.stream_id,
        "status": "running",
        "file_name": (options.fileName or "")[:256],
        "options": options.model_dump(exclude_none=True),
        "total_rows": 0,
        "imported": 0,
        "duplicates": 0,
        "invalid": 0,
        "error": None,
        "started_at": now,
        "finished_at": None,
        "updated_at": now,
    }


class ImportRun:
    """One import, start to end, on its own blocking connection (runs in a thread)."""

    def __init__(self, repo: ImportRepository, tenant: Tenant, region: str) -> None:
        self.repo = repo
        self.tenant = tenant
        self.region = region
        self.tally = Tally()
        self._progress_at = 0.0

    def claim(self, list_id: str, options: ImportQuery) -> Claimed:
        """Create the job and mark the list Validating, or refuse: 404, or 409 while another
        import of the list is alive (a dead one is ended first)."""
        now = utcnow()
        with self.repo.transaction():
            target = self.repo.lock_list(self.tenant, list_id)
            if target is None:
                raise not_found(f"Contact list {list_id} not found")
            live = sweep(self.repo, target.id, now)
            if live is not None:
                raise conflict(
                    f"Contact list {target.name} is being imported (import {live}); "
                    "wait for it to finish",
                    "contactListId",
                )
            job_id = ids.short_id("im")
            self.repo.insert_job(_job_values(job_id, self.tenant, target, options, now))
            self.repo.update_list(target.id, status="Validating", updated_at=now)
            self.repo.hold(job_id)
        region = options.defaultRegion or target.default_region or self.region
        return Claimed(job_id, target, region)

    def stage(
        self, claimed: Claimed, options: ImportQuery, upload: Upload, chunks: Iterator[bytes]
    ) -> CsvFile:
        """Read, validate and stage the whole file; refusals are recorded as they come."""
        numbers_only = claimed.target.list_type == "dnc"
        mapping = {str(k): v for k, v in (options.mapping or {}).items()}
        csv_file = CsvFile(chunks, mapping, delimiter=options.delimiter, numbers_only=numbers_only)
        columns = csv_file.columns
        spec = Spec(columns.headers, columns.keys, claimed.region, numbers_only,
                    csv_file.delimiter, copy=self.repo.postgres)  # fmt: skip
        with self.repo.transaction():
            self.repo.create_staging()
        with contextlib.closing(validated(spec, csv_file.blocks(), chunks)) as results:
            for checked in results:
                self._keep(claimed.job_id, checked)
                self._progress(claimed.job_id, upload.file_name)
        return csv_file

    def _keep(self, job_id: str, checked: Checked) -> None:
        with self.repo.transaction():
            if checked.copy:
                self.repo.stage_copy(checked.copy)
            else:
                self.repo.stage_rows(checked.rows)
            self.repo.add_refusals(job_id, checked.refusals)
        self.tally.total += checked.total
        self.tally.valid += checked.valid
        self.tally.invalid += checked.refused

    def _progress(self, job_id: str, file_name: str) -> None:
        """Counters and heartbeat, at most once per PROGRESS_EVERY_S."""
        if time.monotonic() - self._progress_at < PROGRESS_EVERY_S:
            return
        self._progress_at = time.monotonic()
        values: dict[str, Any] = {"total_rows": self.tally.total, "invalid": self.tally.invalid}
        if file_name:
            values["file_name"] = file_name[:256]
        with self.repo.transaction():
            self.repo.update_job(job_id, updated_at=utcnow(), **values)

    def finish(self, claimed: Claimed, csv_file: CsvFile, file_name: str) -> dict[str, Any]:
        """Move the staged rows into the list and close the job, in one transaction."""
        now = utcnow()
        with self.repo.transaction():
            target = self.repo.lock_list(None, claimed.target.id)
            if target is None:
                raise not_found(f"Contact list {claimed.target.name} was deleted meanwhile")
            if self.repo.job_status(claimed.job_id) != "running":
                raise conflict(INTERRUPTED)
            dedupe = target.list_type == "dnc" or not target.allow_duplicates
            inserted = self.repo.move(target, dedupe, now)
            after = _list_after(target, csv_file, claimed.job_id, file_name, now)
            self.repo.count_in(target.id, inserted, **after)
            result = self._result(inserted, file_name, now)
            self.repo.update_job(claimed.job_id, **result)
        self.repo.refresh_statistics(inserted)
        return result

    def _result(self, inserted: int, file_name: str, now: datetime) -> dict[str, Any]:
        t = self.tally
        values = {
            "status": "completed",
            "total_rows": t.total,
            "imported": inserted,
            "duplicates": t.valid - inserted,
            "invalid": t.invalid,
            "finished_at": now,
            "updated_at": now,
        }
        return values | ({"file_name": file_name[:256]} if file_name else {})

    def fail(self, claimed: Claimed, reason: str) -> None:
        """End the job as failed and the list as Invalid; its contents never changed."""
        now = utcnow()
        with self.repo.transaction():
            if self.repo.job_status(claimed.job_id) != "running":
                return
            self.repo.update_job(
                claimed.job_id,
                status="failed",
                error=reason,
                total_rows=self.tally.total,
                invalid=self.tally.invalid,
                finished_at=now,
                updated_at=now,
            )
            self.repo.update_list(claimed.target.id, status="Invalid", updated_at=now)

    def close(self, claimed: Claimed) -> None:
        """Drop the staging table and give up ownership (both vanish with the session too)."""
        with self.repo.transaction():
            self.repo.drop_staging()
        self.repo.release(claimed.job_id)


def _list_after(
    target: TargetList, csv_file: CsvFile, job_id: str, file_name: str, now: datetime
) -> dict[str, Any]:
    """A completed import's list: Validated, with the file and its columns noted (as Kore
    shows CSV lists: `files: [{fileId, fileName}]`, `columns: [...]`)."""
    columns = list(target.columns)
    if target.list_type != "dnc":
        columns += [c for c in csv_file.columns.headers if c not in columns]
    files = [*target.files, {"fileId": job_id, "fileName": file_name}]
    return {"status": "Validated", "columns": columns, "files": files, "updated_at": now}


async def _next(chunks: AsyncIterator[bytes]) -> bytes | None:
    try:
        return await chunks.__anext__()
    except StopAsyncIteration:
        return None


def blocking(chunks: AsyncIterator[bytes], token: EventLoopToken) -> Iterator[bytes]:
    """An async byte stream as a blocking iterator, for code running in any thread."""
    while (chunk := anyio.from_thread.run(_next, chunks, token=token)) is not None:
        if chunk:
            yield chunk


async def _drain(body: AsyncIterator[bytes]) -> None:
    """Read what is left of a refused upload, so the client gets the answer, not a reset."""
    with contextlib.suppress(Exception):
        async for _ in body:
            pass


class ContactImporter:
    """Imports for one tenant, each on its own connection of the process's blocking engine."""

    def __init__(self, db: Engine, tenant: Tenant, region: str) -> None:
        self.db = db
        self.tenant = tenant
        self.region = region

    async def run(self, list_id: str, options: ImportQuery, upload: Upload) -> dict[str, Any]:
        """Import the upload into the list; the finished job, or an ApiError."""
        token = anyio.lowlevel.current_token()
        try:
            return await anyio.to_thread.run_sync(self._run, list_id, options, upload, token)
        except ApiError:
            await _drain(upload.body)
            raise

    async def recheck(self, list_id: str, job_id: str) -> dict[str, Any]:
        """A running import read again after ending the list's imports whose process is gone,
        so a reader sees a dead import failed rather than running forever."""
        return await anyio.to_thread.run_sync(self._recheck, list_id, job_id)

    def _connected(self, work: Callable[[ImportRepository], T]) -> T:
        with self.db.connect() as conn:
            return work(ImportRepository(conn))

    def _recheck(self, list_id: str, job_id: str) -> dict[str, Any]:
        def work(repo: ImportRepository) -> dict[str, Any]:
            with repo.transaction():
                if repo.lock_list(self.tenant, list_id) is not None:
                    sweep(repo, list_id, utcnow())
            return repo.job(job_id)

        return self._connected(work)

    def _run(
        self, list_id: str, options: ImportQuery, upload: Upload, token: EventLoopToken
    ) -> dict[str, Any]:
        def work(repo: ImportRepository) -> dict[str, Any]:
            run = ImportRun(repo, self.tenant, self.region)
            claimed = run.claim(list_id, options)
            try:
                return _complete(run, claimed, options, upload, token)
            finally:
                with contextlib.suppress(Exception):
                    run.close(claimed)

        return self._connected(work)


def _complete(
    run: ImportRun, claimed: Claimed, options: ImportQuery, upload: Upload, token: EventLoopToken
) -> dict[str, Any]:
    """Stage and move the whole file, or fail the job (and answer why)."""
    try:
        start = time.monotonic()
        csv_file = run.stage(claimed, options, upload, blocking(upload.chunks(), token))
        staged = time.monotonic()
        result = run.finish(claimed, csv_file, upload.file_name)
        log.info(
            "import completed",
            job=claimed.job_id,
            rows=result["total_rows"],
            imported=result["imported"],
            read_s=round(staged - start, 2),
            move_s=round(time.monotonic() - staged, 2),
        )
        return run.repo.job(claimed.job_id)
    except CsvFileError as exc:
        _fail(run, claimed, exc.msg)
        raise ImportRefusedError(claimed.job_id, exc.msg, exc.field) from exc
    except UploadLostError as exc:
        _fail(run, claimed, UPLOAD_LOST)
        raise ImportRefusedError(claimed.job_id, UPLOAD_LOST, "file") from exc
    except BaseException:
        _fail(run, claimed, INTERNAL)
        raise


def _fail(run: ImportRun, claimed: Claimed, reason: str) -> None:
    try:
        run.fail(claimed, reason)
    except Exception:
        log.exception("could not record a failed import", job=claimed.job_id)
