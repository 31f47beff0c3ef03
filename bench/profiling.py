"""A py-spy profile of ``attn serve`` for a measured stretch of a benchmark (``--profile``).

py-spy samples the server from outside (``pip install py-spy``); its ``--subprocesses``
follows the worker processes of a multi-worker server.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def profiled(pid: int, output: str | None, output_format: str = "flamegraph") -> Iterator[None]:
    """Samples process ``pid`` and its children into ``output`` while the block runs;
    nothing when ``output`` is None."""
    if output is None:
        yield
        return
    beside_python = Path(sys.executable).with_name("py-spy")  # a venv's, even if not on PATH
    py_spy = str(beside_python) if beside_python.exists() else "py-spy"
    profiler = subprocess.Popen(
        [py_spy, "record", "--pid", str(pid), "--subprocesses", "--rate", "500",
         "--output", output, "--format", output_format],
    )  # fmt: skip
    time.sleep(1)  # py-spy attaches before the first request
    try:
        yield
    finally:
        profiler.send_signal(signal.SIGINT)
        profiler.wait(timeout=60)
