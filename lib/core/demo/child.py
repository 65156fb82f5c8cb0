"""The generator process: generation and hashing run in a child while the parent writes.

A plain `python -c` child (not multiprocessing), so that no caller's `__main__` is re-run. The
parent pickles the plan to its stdin; the child answers with framed `marshal` messages on
stdout: ("chunk", …) per chunk, then ("done",) or ("error", traceback).
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
from lib.core.demo.plan import Chunk, Plan

_CHILD_CODE = "from lib.core.demo.child import child_main; child_main()"
_FRAME = 8  # bytes of the little-endian length before each marshal payload


def _send(out: BinaryIO, message: tuple[Any, ...]) -> None:
    payload = marshal.dumps(message)
    out.write(len(payload).to_bytes(_FRAME, "little"))
    out.write(payload)
    out.flush()


def child_main() -> None:
    """Generator process: a pickled plan on stdin, framed marshal chunks on stdout."""
    gc.disable()  # see seed.no_cycle_collector; this process ends after the run
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print cannot corrupt the stream
    plan = pickle.load(sys.stdin.buffer)  # noqa: S301 - our own parent wrote it
    try:
        for c in Generator(plan).chunks():
            _send(
                out,
                ("chunk", c.requests, c.events, c.prev_seq, c.prev_hash, c.last_seq, c.last_hash),
            )
            del c
        _send(out, ("done",))
    except BrokenPipeError:  # the parent stopped reading (it failed or was interrupted)
        raise SystemExit(1) from None
    except BaseException:
        _send(out, ("error", traceback.format_exc()))
        raise SystemExit(1) from None
    out.close()


def from_child(plan: Plan) -> Iterator[Chunk]:
    """Run the generator in a child process and yield its chunks as they arrive."""
    path = os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH")) if p)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD_CODE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": path},
    )  # fmt: skip
    assert child.stdin is not None and child.stdout is not None
    try:
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
            chunk = Chunk(*message[1:])
            del message
            yield chunk
            del chunk
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
