"""Distributed tuning on keras-tuner's own protocol: a chief oracle and tuner workers.

keras-tuner runs a search over several processes when each has three environment
variables: ``KERASTUNER_TUNER_ID`` (``chief`` for the oracle, ``tuner0``, ``tuner1``, ...
for the workers), ``KERASTUNER_ORACLE_IP`` and ``KERASTUNER_ORACLE_PORT`` (where the
chief serves its oracle over gRPC). The chief only hands out trials and records their
results; each worker builds, trains and reports one trial at a time. All of them share
the search folder.

``zoo tune --workers N`` (`run`) starts that on one machine: a chief and N workers on
127.0.0.1 and a free port, each ``python -m zoo._tuning.distributed OUT`` reading the
search from ``OUT/search.json``. Across machines, run the same command on each host
with the three variables set by hand and a shared ``OUT``.

Known upstream problems, and what happens here:

- keras-team/keras-tuner#990, a chief that starts slowly: workers wait for it up to
  an hour (their gRPC timeout), looking hung. Here the workers start only once the
  chief accepts connections on its port (bounded by ``CHIEF_START_S``); a chief that
  dies first is an error with its log's last line.
- keras-team/keras-tuner#915, a gRPC error in a worker stalls the chief, and the trial
  it ran is lost: the chief keeps waiting for that worker (polling every 20 s) forever.
  Here a worker that exits with an error stops every process at once and is reported
  with its log; the trial it was running stays "RUNNING" in the oracle's state, and
  ``--resume`` hands it to the same tuner id again, so it runs to completion then.
- The chief also lingers up to 20 s after the last trial (its exit check sleeps 20 s).
  Here it is stopped as soon as every worker has finished: the oracle saved its state
  at each trial's end.

Logs go to ``OUT/logs/<tuner id>.log``; the workers' one-line-per-trial progress goes
to this process's standard output. No process outlives `run`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from zoo._base.errors import ZooError
from zoo._training import run_folder

CHIEF_START_S = 300.0
POLL_S = 0.2
STOP_GRACE_S = 10.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(folder: Path, workers: int, *, timeout: float | None = None) -> None:
    """Run the search of ``folder/search.json`` on a chief and ``workers`` workers."""
    folder = Path(folder)
    logs = folder / run_folder.LOGS_DIR
    logs.mkdir(parents=True, exist_ok=True)
    port = free_port()
    deadline = None if timeout is None else time.monotonic() + timeout
    environment = dict(os.environ)
    # search.json names every registry file in use; the variable would add them twice.
    environment.pop("ZOO_REGISTRY", None)
    environment.update(
        KERASTUNER_ORACLE_IP="127.0.0.1",
        KERASTUNER_ORACLE_PORT=str(port),
        TF_CPP_MIN_LOG_LEVEL=environment.get("TF_CPP_MIN_LOG_LEVEL", "2"),
    )
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        processes["chief"] = _start("chief", folder, environment, logs)
        _wait_for_chief(processes["chief"], port, logs, deadline)
        for index in range(workers):
            tuner_id = f"tuner{index}"
            processes[tuner_id] = _start(tuner_id, folder, environment, logs)
        _wait_for_workers(processes, logs, deadline, timeout)
    finally:
        for process in processes.values():
            _stop(process)


def _start(
    tuner_id: str, folder: Path, environment: dict[str, str], logs: Path
) -> subprocess.Popen[bytes]:
    env = {**environment, "KERASTUNER_TUNER_ID": tuner_id}
    log = open(logs / f"{tuner_id}.log", "ab")  # noqa: SIM115 (the child keeps it)
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "zoo._tuning.distributed", str(folder)],
            env=env,
            stdout=log if tuner_id == "chief" else None,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stopped as a whole
        )
    finally:
        log.close()


def _wait_for_chief(
    chief: subprocess.Popen[bytes], port: int, logs: Path, deadline: float | None
) -> None:
    limit = time.monotonic() + CHIEF_START_S
    if deadline is not None:
        limit = min(limit, deadline)
    while time.monotonic() < limit:
        if chief.poll() is not None:
            raise ZooError(
                f"The chief oracle serves the search until it ends. Received: it exited with "
                f"{chief.returncode} before serving ({_last_line(logs / 'chief.log')}). "
                f"See {logs / 'chief.log'}."
            )
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(1.0)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(POLL_S)
    raise ZooError(
        f"The chief oracle should accept connections within {CHIEF_START_S:.0f} s. Received: "
        f"nothing on 127.0.0.1:{port} (see {logs / 'chief.log'}). Check that grpcio is "
        "installed and the machine is not overloaded, then rerun with --resume."
    )


def _wait_for_workers(
    processes: dict[str, subprocess.Popen[bytes]],
    logs: Path,
    deadline: float | None,
    timeout: float | None,
) -> None:
    workers = {k: p for k, p in processes.items() if k != "chief"}
    while True:
        for tuner_id, process in workers.items():
            code = process.poll()
            if code not in (None, 0):
                raise ZooError(
                    f"Every tuner worker runs its trials to the end. Received: {tuner_id} exited "
                    f"with {code} ({_last_line(logs / f'{tuner_id}.log')}). See its log in "
                    f"{logs}; rerun with --resume to finish the search."
                )
        if all(p.poll() == 0 for p in workers.values()):
            return
        chief = processes["chief"]
        if chief.poll() is not None and chief.returncode != 0:
            raise ZooError(
                f"The chief oracle serves the search until it ends. Received: it exited with "
                f"{chief.returncode} ({_last_line(logs / 'chief.log')}). Rerun with --resume."
            )
        if deadline is not None and time.monotonic() > deadline:
            raise ZooError(
                f"A distributed search ends within its timeout. Received: still running after "
                f"{timeout:.0f} s. Rerun with --resume and a longer --timeout, or fewer trials."
            )
        time.sleep(POLL_S)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End ``process`` and its group: SIGTERM, then SIGKILL after a grace period."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, STOP_GRACE_S), (signal.SIGKILL, STOP_GRACE_S)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _last_line(path: Path) -> str:
    try:
        lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no log"
    return lines[-1].strip() if lines else "empty log"


def main(argv: list[str] | None = None) -> int:
    """One process of a distributed search: ``python -m zoo._tuning.distributed OUT``."""
    from zoo._tuning.tuner import make_tuner, run_search

    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0])
    config: dict[str, Any] = run_folder.read_record(folder, run_folder.SEARCH)
    if config.get("registry_files"):
        from zoo._registry import Registry, set_default_registry

        set_default_registry(Registry(registry_files=config["registry_files"]))
    try:
        model_tuner = make_tuner(config, folder)
        run_search(model_tuner, config)
    except ZooError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
