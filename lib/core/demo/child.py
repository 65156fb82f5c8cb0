"""The generator process: generation and hashing run in a child while the parent writes.

The child is forked once the plan exists, so it starts with every module and the plan already
in memory (a fresh interpreter spent ~0.4 s CPU importing, a tenth of the run on a loaded
machine). It never touches the parent's database connections and leaves with `os._exit`, so no
finaliser of an inherited object runs in it. It answers on a pipe with framed `marshal`
messages: ("part", …) per part, then ("done",) or ("error", traceback).

Forking is used on Linux only (elsewhere, e.g. macOS, forking a process that has loaded system
frameworks is unsafe); there `seed_demo` generates in-process instead.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import os
import signal
import sys
import traceback
from collections.abc import Iterator
from typing import Any, BinaryIO

from lib.core.demo.generator import Generator
from lib.core.demo.plan import Part, Plan

CAN_FORK = sys.platform == "linux"
"""Whether a generator process can be used here (see the module docstring)."""
_FRAME = 8  # bytes of the little-endian length before each marshal payload


def _send(out: BinaryIO, message: tuple[Any, ...]) -> None:
    payload = marshal.dumps(message)
    out.write(len(payload).to_bytes(_FRAME, "little"))
    out.write(payload)
    out.flush()


def _generate(plan: Plan, out: BinaryIO) -> int:
    """The child's whole life: every part of `plan` to `out`; the exit code."""
    gc.disable()  # see seed.no_cycle_collector; it also keeps inherited pages shared
    try:
        for part in Generator(plan).parts():
            _send(out, ("part", part.requests, part.events, part.closes_chunk))
            del part
        _send(out, ("done",))
    except BrokenPipeError:  # the parent stopped reading (it failed or was interrupted)
        return 1
    except BaseException:
        _send(out, ("error", traceback.format_exc()))
        return 1
    return 0


class GeneratorProcess:
    """The generator for `plan`, forked into a child process; `parts()` reads what it sends."""

    def __init__(self, plan: Plan) -> None:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's frames
            code = 1
            try:
                os.close(read_fd)
                with os.fdopen(write_fd, "wb") as out:
                    code = _generate(plan, out)
            finally:
                os._exit(code)
        os.close(write_fd)
        self.pid: int | None = pid
        self.stream = os.fdopen(read_fd, "rb")

    def parts(self) -> Iterator[Part]:
        """The child's parts as they arrive.

        Raises:
            RuntimeError: the child failed or ended early.
        """
        while True:
            header = self.stream.read(_FRAME)
            size = int.from_bytes(header, "little") if len(header) == _FRAME else -1
            payload = self.stream.read(size) if size >= 0 else b""
            if size < 0 or len(payload) != size:
                raise RuntimeError(
                    f"the demo generator process ended early (exit code {self._wait()})"
                )
            message = marshal.loads(payload)  # noqa: S302 - our own child wrote it
            del payload
            if message[0] == "done":
                break
            if message[0] == "error":
                raise RuntimeError(f"the demo generator failed:\n{message[1]}")
            part = Part(*message[1:])
            del message
            yield part
            del part
        self._wait()

    def close(self) -> None:
        """Stop the child if it still runs (an error or interruption on either side)."""
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._wait()
        self.stream.close()

    def _wait(self) -> int:
        """Reap the child once; its exit code (0 when already reaped)."""
        if self.pid is None:
            return 0
        _pid, status = os.waitpid(self.pid, 0)
        self.pid = None
        return os.waitstatus_to_exitcode(status)
