"""Find the ``coinrun-engine`` binary and run it as a child process on a private endpoint.

Search order (first hit wins):

1. ``$COINRUN_ENGINE`` when set (an explicit override, e.g. to test a development build);
2. ``coinrun/bin/coinrun-engine`` (or ``coinrun/_bin/``) inside the installed package
   (what ``pip install .`` produces);
3. ``<repo>/build/coinrun-engine`` for a development checkout (``pyclient/coinrun/../../build``);
4. ``coinrun-engine`` on ``PATH``.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .errors import EngineDied, EngineTimeout

ENGINE_NAME = "coinrun-engine"
VIEWER_NAME = "coinrun-viewer"
# Generous: the first start of a cold binary on a loaded machine can take a while.
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 5.0


def _built_binary(name: str) -> Path | None:
    """``name`` inside the installed package or in the checkout's build/, if there."""
    here = Path(__file__).resolve().parent
    for c in (here / "bin" / name, here / "_bin" / name, here.parent.parent / "build" / name):
        if c.is_file() and os.access(c, os.X_OK):
            return c
    return None


def find_engine() -> Path:
    """Path of the engine binary; raises EngineDied with instructions when there is none."""
    env = os.environ.get("COINRUN_ENGINE")
    if env:
        p = Path(env)
        if p.is_file() and os.access(p, os.X_OK):
            return p
        raise EngineDied(f"COINRUN_ENGINE={env} is not an executable file; unset it or fix the path")
    built = _built_binary(ENGINE_NAME)
    if built is not None:
        return built
    on_path = shutil.which(ENGINE_NAME)
    if on_path:
        return Path(on_path)
    raise EngineDied(
        "coinrun-engine not found: install the package with `pip install .` at the repository "
        "root, or build it with `make` (build/coinrun-engine), or set COINRUN_ENGINE to its path"
    )


def find_viewer() -> Path | None:
    """The ``coinrun-viewer`` binary (next to the engine, in the package, in build/), or None
    when it was not built (it needs Qt 6)."""
    try:
        beside = find_engine().parent / VIEWER_NAME
        if beside.is_file() and os.access(beside, os.X_OK):
            return beside
    except EngineDied:
        pass
    return _built_binary(VIEWER_NAME)


def _exec(name: str, path: Path | None) -> None:
    if path is None:
        raise SystemExit(f"{name} was not built: run `make` (or `pip install .`); the viewer needs Qt 6")
    os.execv(path, [str(path), *sys.argv[1:]])


def engine_main() -> None:
    """Console script ``coinrun-engine`` of an installed package: runs the packaged binary."""
    _exec(ENGINE_NAME, _built_binary(ENGINE_NAME))


def viewer_main() -> None:
    """Console script ``coinrun-viewer`` of an installed package: runs the packaged binary."""
    _exec(VIEWER_NAME, _built_binary(VIEWER_NAME))


class EngineProcess:
    """A launched engine: private 0700 directory, ipc endpoint, log file, clean stop."""

    def __init__(
        self,
        threads: int = 0,
        bind: str | None = None,
        binary: Path | None = None,
        ready_timeout_s: float = READY_TIMEOUT_S,
    ) -> None:
        self.binary = binary or find_engine()
        # mkdtemp creates the directory with mode 0700: only this user can reach the socket.
        self.dir = Path(tempfile.mkdtemp(prefix="coinrun-"))
        self.log_path = self.dir / "engine.log"
        bind = bind or f"ipc://{self.dir}/engine.sock"
        args = [str(self.binary), "serve", "--bind", bind, "--parent-pid", str(os.getpid())]
        if threads:
            args += ["--threads", str(threads)]
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        # A new session: a Ctrl-C in the terminal reaches Python, which then closes the
        # engine in order, instead of killing the engine under a running client.
        self.proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._log, start_new_session=True
        )
        try:
            self.endpoint = self._wait_ready(ready_timeout_s)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, timeout_s: float) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout_s
        buf = b""
        fd = self.proc.stdout.fileno()
        while time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.1)
            if r:
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                buf += chunk
                if b"\n" in buf:
                    line = buf.split(b"\n", 1)[0].decode(errors="replace").strip()
                    if line.startswith("READY "):
                        self.proc.stdout.close()
                        return line[len("READY ") :]
                    raise EngineDied(f"engine printed {line!r} instead of READY; log: {self.log_tail()}")
            if self.proc.poll() is not None:
                break
        if self.proc.poll() is not None:
            raise EngineDied(
                f"coinrun-engine ({self.binary}) exited with status {self.proc.returncode} at start; "
                f"log: {self.log_tail()}"
            )
        raise EngineTimeout(f"coinrun-engine did not become ready within {timeout_s:.0f} s")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, n: int = 2000) -> str:
        try:
            data = self.log_path.read_bytes()
        except OSError:
            return "(no log)"
        return data[-n:].decode(errors="replace").strip() or "(empty log)"

    def death_message(self) -> str:
        rc = self.proc.returncode
        how = f"was killed by signal {-rc}" if rc is not None and rc < 0 else f"exited with status {rc}"
        return (
            f"coinrun-engine (pid {self.proc.pid}) {how}; close this env and create a new one "
            f"(coinrun.make_vec / gymnasium.make_vec) to continue; log: {self.log_tail()}"
        )

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """Waits for a requested exit, then SIGTERM, then SIGKILL; removes the directory."""
        if self.proc.poll() is None:
            try:
                self.proc.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=timeout_s)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=timeout_s)
        if self.proc.stdout is not None and not self.proc.stdout.closed:
            self.proc.stdout.close()
        if not self._log.closed:
            self._log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
