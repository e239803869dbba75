"""SIPp as the far end of a test: a real `sipp` process on 127.0.0.1, on a free port, running
one of the scenarios in this directory, with its own counters read back afterwards.

A test that needs SIPp calls `require_sipp()`: without the binary it skips, except under
`CI=true`, where that is a failure (`.ci/run` installs `sip-tester`).

Ports come from a fixed range per pytest-xdist worker (below the kernel's ephemeral range,
where outdial's own port-0 sockets land), in blocks of `BLOCK`: the SIP port (UDP and TCP),
SIPp's two media ports and its control port. Workers never race each other for a port.
"""

from __future__ import annotations

import csv
import itertools
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

SCENARIOS = Path(__file__).parent
IN_CI = os.environ.get("CI", "").lower() == "true"
START_TIMEOUT_S = 10.0


def require_sipp() -> str:
    """The sipp binary, or skip (fail under CI=true)."""
    found = shutil.which("sipp")
    if found:
        return found
    if IN_CI:
        pytest.fail("sipp is not installed (CI=true): apt-get install -y sip-tester")
    pytest.skip("sipp is not installed (apt-get install -y sip-tester)")


def _bindable(port: int) -> bool:
    """Whether both UDP and TCP `port` are free on 127.0.0.1."""
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, kind) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


PORT_BASE = 21_000
PORTS_PER_WORKER = 800
BLOCK = 8  # SIP port, media ports +2 and +4, control port +6


def worker_ports() -> range:
    """This xdist worker's port range (`gw0` the second range; no xdist the first)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    index = int(worker[2:]) + 1 if worker[:2] == "gw" and worker[2:].isdigit() else 0
    start = PORT_BASE + index * PORTS_PER_WORKER
    return range(start, start + PORTS_PER_WORKER, BLOCK)


_blocks = itertools.cycle(worker_ports())


def _block_free(port: int) -> bool:
    return _bindable(port) and all(_bindable(port + offset) for offset in (2, 4, 6))


def free_port() -> int:
    """The first port of a free block of this worker's range (UDP and TCP on 127.0.0.1)."""
    for _ in range(len(worker_ports())):
        port = next(_blocks)
        if _block_free(port):
            return port
    raise RuntimeError(f"no free port block in {worker_ports()}")


@dataclass
class Sipp:
    """One SIPp process playing `scenario` (a file name in tests/sipp)."""

    scenario: str
    workdir: Path
    transport: str = "u1"
    calls: int | None = None
    keys: dict[str, str] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def trunk_uri(self) -> str:
        """A trunk URI template reaching this SIPp."""
        return f"sip:{{number}}@127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        args = [require_sipp(), "-sf", str(SCENARIOS / self.scenario), "-i", "127.0.0.1"]
        args += ["-p", str(self.port), "-t", self.transport, "-nostdin", "-timeout", "600s"]
        args += ["-mp", str(self.port + 2), "-cp", str(self.port + 6)]
        args += ["-trace_counts", "-trace_stat", "-trace_msg", "-trace_err", "-trace_screen"]
        args += ["-max_recv_loops", "10000", "-max_sched_loops", "10000"]
        args += ["-buff_size", str(4 * 1024 * 1024)]
        for key, value in self.keys.items():
            args += ["-key", key, value]
        if self.calls is not None:
            args += ["-m", str(self.calls)]
        return args + self.extra

    def start(self) -> Sipp:
        """Start SIPp and return once its port is bound."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        output = (self.workdir / "sipp.out").open("wb")
        self.process = subprocess.Popen(
            self.command(), cwd=self.workdir, stdout=output, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while _bindable(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"sipp did not start: {self.output()}")
            time.sleep(0.02)
        return self

    def output(self) -> str:
        path = self.workdir / "sipp.out"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def wait(self, timeout: float = 120.0) -> int:
        """Wait for SIPp to exit by itself (after `calls` calls)."""
        assert self.process is not None
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"sipp did not finish in {timeout}s: {self.output()}")

    def stop(self, timeout: float = 120.0) -> int:
        """Ask SIPp to finish its calls and exit (SIGUSR1), and wait."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGUSR1)
        return self.wait(timeout)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> Sipp:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.kill()

    # ---- SIPp's own records ------------------------------------------------------------------

    def _file(self, suffix: str) -> Path:
        found = sorted(self.workdir.glob(f"*{suffix}"))
        if not found:
            pytest.fail(f"sipp wrote no *{suffix} in {self.workdir}: {self.output()}")
        return found[-1]

    def counts(self) -> dict[str, int]:
        """The last row of -trace_counts: every scenario message's counters."""
        with self._file("_counts.csv").open(newline="") as handle:
            rows = list(csv.reader(handle, delimiter=";"))
        header, last = rows[0], rows[-1]
        return {name: int(value) for name, value in zip(header[2:], last[2:], strict=False) if name}

    def stats(self) -> dict[str, str]:
        """The last row of -trace_stat (SuccessfulCall(C), FailedCall(C), ...)."""
        with self._file("_.csv").open(newline="") as handle:
            rows = list(csv.reader(handle, delimiter=";"))
        return dict(zip(rows[0], rows[-1], strict=False))

    def messages(self) -> str:
        """Every message SIPp sent and received (-trace_msg)."""
        return self._file("_messages.log").read_text(errors="replace")

    def final_responses(self) -> dict[int, int]:
        """How many final responses to INVITE SIPp sent, by status: a sent response whose
        next scenario step receives the ACK."""
        counts = self.counts()
        names = [n for n in counts if n.endswith(("_Sent", "_Recv"))]
        finals: dict[int, int] = {}
        for name, following in itertools.pairwise(names):
            kind = name.split("_")
            final = kind[-1] == "Sent" and kind[1].isdigit() and counts[name] > 0
            if final and following.endswith("_ACK_Recv"):
                finals[int(kind[1])] = finals.get(int(kind[1]), 0) + counts[name]
        return finals

    def total(self, column_suffix: str) -> int:
        """The sum of the counters whose name ends with `column_suffix` (`_CANCEL_Recv`)."""
        return sum(v for k, v in self.counts().items() if k.endswith(column_suffix))


def sipp(scenario: str, workdir: Path, **options: Any) -> Sipp:
    """A SIPp process for `scenario`, writing its files in `workdir` (started by `with`)."""
    return Sipp(scenario, workdir, **options)
