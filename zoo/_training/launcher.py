"""``zoo train --workers N``: N local worker processes of a multi-worker run, on 127.0.0.1.

The launcher only spawns processes: each worker is the same ``python -m zoo train``
command with ``--strategy multi-worker`` and its own ``TF_CONFIG`` (free ports on
127.0.0.1, worker 0 the chief), and training is TensorFlow's and Keras' business. What
the launcher adds is process hygiene and the restart of fault tolerance:

- every child dies with the launcher (``PR_SET_PDEATHSIG`` on Linux) and is killed when
  the launcher stops for any reason (error, Ctrl-C, SIGTERM): no orphans;
- a worker that fails with a zoo error (bad input: exit code 2) ends the run with that
  error; a worker that dies otherwise (killed, crashed, its peer lost) stops every worker,
  and all are started again with ``--resume`` on new ports, at most ``restarts`` times:
  Keras' BackupAndRestore puts every worker back at the last completed epoch;
- worker 0 prints to the terminal; the others' output goes to files that are shown
  when they fail and removed afterwards; each worker's temporary folder (TMPDIR) lies in
  the launcher's, removed at the end, also after a worker was killed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zoo._base.errors import ZooError
from zoo._training.run_folder import RUN_FILE

HOST = "127.0.0.1"
USER_ERROR = 2  # a worker's exit code for a ZooError (bad input): no restart
RESTARTS = 3
GRACE = 3.0  # seconds between SIGTERM and SIGKILL when stopping workers
POLL = 0.2


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports that are free on 127.0.0.1 now."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def tf_config(addresses: Sequence[str], index: int) -> str:
    return json.dumps(
        {"cluster": {"worker": list(addresses)}, "task": {"type": "worker", "index": index}}
    )


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Workers:
    """The worker processes of one attempt; ``stop()`` leaves none alive."""

    def __init__(self, command: Sequence[str], count: int, logs: Path, attempt: int) -> None:
        self.addresses = [f"{HOST}:{port}" for port in free_ports(count)]
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path | None] = []
        try:
            for index in range(count):
                # Its own temporary folder inside the launcher's, so that what a killed
                # worker leaves there (its folder, TensorFlow's files) goes too.
                scratch = logs / f"tmp-{index}.{attempt}"
                scratch.mkdir()
                env = {
                    **os.environ,
                    "TF_CONFIG": tf_config(self.addresses, index),
                    "ZOO_LAUNCHED_WORKER": str(index),
                    "TMPDIR": str(scratch),
                }
                log = None if index == 0 else logs / f"worker-{index}.{attempt}.log"
                output = None if log is None else open(log, "w")  # noqa: SIM115
                try:
                    process = subprocess.Popen(
                        command,
                        env=env,
                        stdin=subprocess.DEVNULL,
                        stdout=output,
                        stderr=subprocess.STDOUT if output else None,
                        start_new_session=True,  # Ctrl-C reaches the launcher, which stops them
                        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
                    )
                finally:
                    if output is not None:
                        output.close()
                self.processes.append(process)
                self.logs.append(log)
        except BaseException:
            self.stop()
            raise
        pids = ", ".join(
            f"worker {i} pid {p.pid} at {a}"
            for i, (p, a) in enumerate(zip(self.processes, self.addresses))
        )
        print(f"zoo train: started {pids}", file=sys.stderr, flush=True)

    def poll(self) -> tuple[int, int] | None:
        """The first worker that ended unsuccessfully, or (-1, 0) when all succeeded."""
        codes = [p.poll() for p in self.processes]
        for index, code in enumerate(codes):
            if code not in (None, 0):
                return index, code
        if all(code == 0 for code in codes):
            return -1, 0
        return None

    def stop(self) -> None:
        """SIGTERM every live worker, then SIGKILL what is left after a grace period."""
        live = [p for p in self.processes if p.poll() is None]
        for process in live:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
        deadline = time.monotonic() + GRACE
        for process in live:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
        for process in live:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(10)

    def tail(self, index: int, lines: int = 15) -> str:
        log = self.logs[index]
        if log is None or not log.is_file():
            return ""
        text = log.read_text(errors="replace").strip().splitlines()
        errors = [line for line in text if line.startswith("error:")]
        return "\n".join(errors[-1:] if errors else text[-lines:])


def launch(arguments: Sequence[str], workers: int, out: Path, *, restarts: int = RESTARTS) -> int:
    """Run ``python -m zoo train ARGUMENTS --strategy multi-worker`` as ``workers`` processes.

    Returns the exit code: 0 when every worker finished, the failing worker's code
    otherwise, 130 after Ctrl-C.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ZooError(f"--workers is a positive integer. Received: --workers {workers!r}.")
    base = [sys.executable, "-m", "zoo", "train", *arguments, "--strategy", "multi-worker"]
    resume = "--resume" in arguments
    attempt = 0
    import threading

    main_thread = threading.current_thread() is threading.main_thread()
    previous_handler = signal.getsignal(signal.SIGTERM)
    if main_thread:  # SIGTERM stops the workers too, as Ctrl-C does
        signal.signal(signal.SIGTERM, _interrupt)
    group: Workers | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="zoo-workers-") as logs:
            while True:
                command = list(base)
                if attempt and not resume and (Path(out) / RUN_FILE).is_file():
                    command.append("--resume")
                group = Workers(command, workers, Path(logs), attempt)
                ended = group.poll()
                while ended is None:
                    time.sleep(POLL)
                    ended = group.poll()
                index, code = ended
                if index < 0:
                    return 0
                detail = group.tail(index)
                group.stop()
                how = f"signal {-code}" if code < 0 else f"exit code {code}"
                if code == USER_ERROR or attempt >= restarts:
                    if detail:
                        print(detail, file=sys.stderr)
                    if attempt >= restarts and code != USER_ERROR:
                        print(
                            f"error: worker {index} ended ({how}) after {attempt} restarts; "
                            "giving up.",
                            file=sys.stderr,
                        )
                    return code if code > 0 else 1
                attempt += 1
                print(
                    f"zoo train: worker {index} ended ({how}); stopping the others and "
                    f"restarting all {workers} from the last completed epoch "
                    f"(restart {attempt} of at most {restarts})",
                    file=sys.stderr,
                    flush=True,
                )
    except KeyboardInterrupt:
        print("interrupted: stopping the workers", file=sys.stderr)
        return 130
    finally:
        if group is not None:
            group.stop()
        if main_thread:
            signal.signal(signal.SIGTERM, previous_handler)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


__all__ = ["free_ports", "launch", "tf_config"]
