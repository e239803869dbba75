"""The validation pipeline of an import: blocks of the file parsed and checked by
`validate_row` in worker processes while the upload keeps arriving and the database keeps
staging, results back in file order.

Phone-number validation is most of an import's cost and is CPU-bound, so blocks go to a
process pool (forkserver: the importing process has threads, which `fork` must not copy).
A feeder thread reads the upload, cuts it into blocks and submits them, at most IN_FLIGHT
ahead; the importing thread takes the results in order and stages them. So progress never
waits for the next bytes of a slow upload, and memory holds a few blocks, never the file.
A file of one block is checked in the feeder itself (no pool for small files). Workers end
with the process that started them, so a killed server leaves none behind.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import chain
from multiprocessing import get_context

from outdial.contact_list.batch import Checked, Spec, check_block, exit_with_parent

WORKERS = max(1, min(os.cpu_count() or 1, 8))
IN_FLIGHT = 2 * WORKERS
WAIT_S = 0.2
Block = tuple[int, str]  # the line it starts on, its text
_END = object()


def _done(value: Checked) -> Future[Checked]:
    future: Future[Checked] = Future()
    future.set_result(value)
    return future


class _Feeder(threading.Thread):
    """Reads blocks from `source`, submits them, and queues their futures in file order; an
    exception while reading is queued too. Once stopped (or failed) it reads `rest` to its
    end, so the client still gets an answer rather than a reset."""

    def __init__(self, spec: Spec, source: Iterator[Block], rest: Iterator[bytes]) -> None:
        super().__init__(name="import-feeder", daemon=True)
        self.spec, self.source, self.rest = spec, source, rest
        self.out: queue.Queue[object] = queue.Queue(IN_FLIGHT)
        self.stop = threading.Event()

    def _put(self, item: object) -> bool:
        while not self.stop.is_set():
            with contextlib.suppress(queue.Full):
                self.out.put(item, timeout=WAIT_S)
                return True
        return False

    def run(self) -> None:
        try:
            self._feed()
        except BaseException as exc:  # handed to the importing thread, which raises it
            self._put(exc)
            self.stop.set()
        finally:
            self._put(_END)
            if self.stop.is_set():
                with contextlib.suppress(BaseException):
                    for _ in self.rest:
                        pass

    def _feed(self) -> None:
        first, second = next(self.source, None), next(self.source, None)
        if first is None:
            return
        if second is None:
            self._put(_done(check_block(self.spec, *first)))
            return
        pool = ProcessPoolExecutor(
            WORKERS, mp_context=get_context("forkserver"), initializer=exit_with_parent
        )
        try:
            for block in chain([first, second], self.source):
                if not self._put(pool.submit(check_block, self.spec, *block)):
                    return
        finally:
            pool.shutdown(wait=True, cancel_futures=self.stop.is_set())


def validated(
    spec: Spec, source: Iterator[Block], rest: Iterator[bytes]
) -> Generator[Checked, None, None]:
    """Each block of `source` checked, in file order, as soon as it is; `rest` is the byte
    stream underneath, read to its end if the import stops early."""
    feeder = _Feeder(spec, source, rest)
    feeder.start()
    try:
        while (item := feeder.out.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, Future)
            yield item.result()
    finally:
        feeder.stop.set()
        feeder.join()
