"""The generator process: generation and hashing run in a child while the parent writes.

A plain `python -c` child (not multiprocessing), so that no caller's `__main__` is re-run. The
parent pickles the plan to its stdin; the child answers with framed `marshal` messages on
stdout: ("part", …) per part, then ("done",) or ("error", traceback).
"""

from __future__ import annotations

import gc
import marshal
import os
import pickle
import subprocess
import sys
import traceback
from collections.abc import Iterator
from typing import Any, BinaryIO

from lib.core.config import PROJECT_ROOT
from lib.core.demo.generator import Generator
from lib.core.demo.plan import Part, Plan

_CHILD_CODE = "from lib.core.demo.child import child_main; child_main()"
_FRAME = 8  # bytes of the little-endian length before each marshal payload


def _send(out: BinaryIO, message: tuple[Any, ...]) -> None:
    payload = marshal.dumps(message)
    out.write(len(payload).to_bytes(_FRAME, "little"))
    out.write(payload)
    out.flush()


def child_main() -> None:
    """Generator process: a pickled plan on stdin, framed marshal parts on stdout."""
    gc.disable()  # see seed.no_cycle_collector; this process ends after the run
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print cannot corrupt the stream
    plan = pickle.load(sys.stdin.buffer)  # noqa: S301 - our own parent wrote it
    try:
        for part in Generator(plan).parts():
            _send(out, ("part", part.requests, part.events, part.closes_chunk))
            del part
        _send(out, ("done",))
    except BrokenPipeError:  # the parent stopped reading (it failed or was interrupted)
        raise SystemExit(1) from None
    except BaseException:
        _send(out, ("error", traceback.format_exc()))
        raise SystemExit(1) from None
    out.close()


class GeneratorProcess:
    """The generator in a child process, started before the plan exists so that the child's
    imports (~0.4 s) overlap the parent's own work (stores, demo store data, the plan)."""

    def __init__(self) -> None:
        path = os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH")) if p)
        self.child = subprocess.Popen(
            [sys.executable, "-c", _CHILD_CODE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": path},
        )  # fmt: skip

    def parts(self, plan: Plan) -> Iterator[Part]:
        """Hand `plan` to the child and yield its parts as they arrive.

        Raises:
            RuntimeError: the child failed or ended early.
        """
        child = self.child
        assert child.stdin is not None and child.stdout is not None
        pickle.dump(plan, child.stdin)
        child.stdin.close()
        while True:
            header = child.stdout.read(_FRAME)
            size = int.from_bytes(header, "little") if len(header) == _FRAME else -1
            payload = child.stdout.read(size) if size >= 0 else b""
            if size < 0 or len(payload) != size:
                raise RuntimeError(
                    f"the demo generator process ended early (exit code {child.wait()})"
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
        child.wait(timeout=60)

    def close(self) -> None:
        """Stop the child if it still runs (an error or interruption on either side)."""
        child = self.child
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                stream.close()
