"""Bad input gives a clear exception and leaves the engine serving; a dead or stuck engine
is reported within seconds; a killed client leaves no engine and no segment behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import coinrun
import numpy as np
import pytest
from conftest import REPO, needs_engine, serve_engine, shm_segments, stop_engine, wait_until

pytestmark = needs_engine


@pytest.fixture
def env():
    e = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=4, seed=1)
    e.reset()
    yield e
    e.close()


def still_serves(env):
    obs, *_ = env.step(np.zeros(env.num_envs, dtype=np.int32))
    assert obs.shape[0] == env.num_envs


def test_wrong_shape(env):
    with pytest.raises(coinrun.InvalidAction, match=r"shape \(4,\)"):
        env.step(np.zeros(3, dtype=np.int32))
    with pytest.raises(coinrun.InvalidAction):
        env.step(np.zeros((4, 2), dtype=np.int32))
    still_serves(env)


def test_wrong_dtype(env):
    with pytest.raises(coinrun.InvalidAction, match="integers"):
        env.step(np.array([0.5, 1, 2, 3]))
    with pytest.raises(coinrun.InvalidAction):
        env.step(np.array(["a", "b", "c", "d"]))
    still_serves(env)


@pytest.mark.parametrize("bad", [7, -1, 100])
def test_out_of_range_names_env_value_and_range(env, bad):
    acts = np.zeros(4, dtype=np.int64)
    acts[2] = bad
    with pytest.raises(coinrun.InvalidAction) as ei:
        env.step(acts)
    e = ei.value
    assert e.env == 2 and e.value == bad and e.valid == (0, 7)
    assert "env 2" in str(e) and str(bad) in str(e) and "0..6" in str(e)
    still_serves(env)


@pytest.mark.parametrize(
    ("values", "dtype", "hi", "outside"),
    [
        ([0, 6], np.int32, 7, False),
        ([0, 7], np.int32, 7, True),
        ([0, -1], np.int64, 7, True),
        ([3, -1], np.int8, 300, True),  # -1 seen as uint8 is 255, under 300: needs two passes
        ([3, 127], np.int8, 300, False),
        ([3, -128], np.int16, 40000, True),
        ([0, -1], ">i4", 7, True),  # the other byte order
        ([0, 255], np.uint8, 7, True),
        ([0, 6], np.uint64, 7, False),
    ],
)
def test_range_check_of_every_integer_dtype(values, dtype, hi, outside):
    """The client's one-pass range check (actions and env ids) for every signed and unsigned
    width, including bounds above what a negative entry seen as unsigned exceeds."""
    from coinrun.gym_compat import outside_range

    assert outside_range(np.array(values, dtype=dtype), hi) is outside


def test_engine_rejects_bad_actions_written_behind_the_checks(env):
    """The engine validates again: a bad value that bypasses the client check is refused
    with BAD_ACTION, nothing steps, and the session continues."""
    seq, slot = env._next_slot()
    env._transport.slots[slot].actions[:] = [0, 0, 9, 0]
    rid = env._client.send({"type": "step", "session": env.session, "seq": seq, "slot": slot})
    with pytest.raises(coinrun.InvalidAction) as ei:
        env._client.recv(rid)
    assert ei.value.env == 2 and ei.value.value == 9 and ei.value.code == "BAD_ACTION"
    env._seq -= 1  # the engine did not accept that seq
    still_serves(env)


def test_unknown_option_lists_valid_ones():
    with pytest.raises(coinrun.InvalidOption) as ei:
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=2, num_levelz=5)
    msg = str(ei.value)
    assert "num_levelz" in msg and "num_levels" in msg and "use_data_augmentation" in msg


def test_bad_option_value_from_engine():
    with pytest.raises(coinrun.InvalidOption, match="num_levels"):
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=2, num_levels=-3)
    with pytest.raises(coinrun.InvalidOption, match="autoreset_mode"):
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=2, autoreset_mode="sometimes")
    with pytest.raises(coinrun.InvalidOption, match="unknown env id"):
        coinrun.make_vec("coinrun/Nope-v0", num_envs=2)


def test_engine_killed_mid_step_raises_engine_died():
    env = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=2, seed=1)
    try:
        env.reset()
        pid = env._process.proc.pid
        os.kill(pid, signal.SIGKILL)
        # Death lands a moment after kill() returns; a worker spinning in that moment would
        # still answer a step.
        env._process.proc.wait(timeout=5)
        t0 = time.monotonic()
        with pytest.raises(coinrun.EngineDied, match="signal 9"):
            env.step(np.zeros(2, dtype=np.int32))
        assert time.monotonic() - t0 < 5.0
    finally:
        env.close()


def all_threads_stopped(pid: int) -> bool:
    states = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/stat") as f:
            states.append(f.read().rsplit(")", 1)[1].split()[0])
    return all(st in ("T", "t") for st in states)


def test_stuck_engine_times_out():
    env = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=2, seed=1, timeout=1.0)
    pid = env._process.proc.pid
    try:
        env.reset()
        os.kill(pid, signal.SIGSTOP)
        # The stop lands on each thread a moment after kill() returns; a worker still
        # spinning in that moment would answer the step. Wait until every thread is stopped.
        assert wait_until(lambda: all_threads_stopped(pid), timeout_s=5), "the engine did not stop"
        t0 = time.monotonic()
        with pytest.raises(coinrun.EngineTimeout, match="did not answer"):
            env.step(np.zeros(2, dtype=np.int32))
        assert time.monotonic() - t0 < 4.0
    finally:
        os.kill(pid, signal.SIGCONT)
        env.close()


def test_close_is_idempotent_and_later_calls_fail_clearly():
    env = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=2, seed=1)
    env.reset()
    env.close()
    env.close()
    with pytest.raises(coinrun.CoinRunError, match="closed"):
        env.step(np.zeros(2, dtype=np.int32))


def test_killed_client_leaves_no_engine_and_no_segment():
    code = textwrap.dedent(
        """
        import sys, time
        sys.path.insert(0, {path!r})
        import numpy as np, coinrun
        env = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=4, seed=1)
        env.reset()
        print(env._process.proc.pid, env._transport.shm.name, flush=True)
        while True:
            env.step(np.zeros(4, dtype=np.int32))
        """
    ).format(path=str(REPO / "pyclient"))
    before = shm_segments()
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=os.environ)
    try:
        line = child.stdout.readline().split()
        assert len(line) == 2, "child did not start"
        engine_pid = int(line[0])
        time.sleep(0.3)
        child.kill()
        child.wait(timeout=10)

        def engine_gone():
            try:
                os.kill(engine_pid, 0)
            except ProcessLookupError:
                return True
            # a zombie is gone too (its parent, the child, is dead and init reaps it)
            try:
                with open(f"/proc/{engine_pid}/stat") as f:
                    return f.read().split(")")[-1].split()[0] == "Z"
            except OSError:
                return True

        assert wait_until(engine_gone, 5.0), "engine outlived its client"
        assert wait_until(lambda: not (shm_segments() - before), 5.0)
        assert not any(s.startswith(f"coinrun.{engine_pid}.") for s in shm_segments())
    finally:
        if child.poll() is None:
            child.kill()


def test_rejected_async_batch_leaves_the_session_usable():
    env = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=4, batch_size=2, seed=1)
    try:
        env.async_reset()
        env.recv()
        env.recv()
        env.send(np.array([1, 1]), np.array([3, 3]))  # duplicate env id: the engine refuses it
        with pytest.raises(coinrun.InvalidAction, match="twice"):
            env.recv()
        env.send(np.array([1, 1]), np.array([0, 3]))
        obs, *_, info = env.recv()
        assert info["env_id"].tolist() == [0, 3] and obs.shape == (2, 64, 64, 3)
    finally:
        env.close()


def test_remote_session_lease_expires(engine_path):
    proc, endpoint = serve_engine(engine_path, "tcp://127.0.0.1:0", stderr=subprocess.DEVNULL)
    try:
        env = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=1, seed=1, address=endpoint, lease_s=0.6)
        env.reset()
        assert env.ping() >= 0
        time.sleep(1.5)
        with pytest.raises(coinrun.EngineError) as ei:
            env.step(np.zeros(1, dtype=np.int32))
        assert ei.value.code == "NO_SESSION"
        env.close()
        assert proc.poll() is None
    finally:
        stop_engine(proc)


def test_engine_rejects_bad_actions_through_the_doorbell(env):
    assert env.uses_doorbell, "local shm sessions use the doorbell by default"
    seq, slot = env._next_slot()
    env._transport.slots[slot].actions[:] = [0, -4, 0, 0]
    env._pending.append(env._transport.post_step(seq, slot, env.num_envs, False))
    with pytest.raises(coinrun.InvalidAction) as ei:
        env._recv_one(env._pending[0])
    assert ei.value.env == 1 and ei.value.value == -4
    still_serves(env)


@pytest.mark.parametrize("n", [0, 5, 2**31, 2**32 - 1])
def test_a_doorbell_post_with_a_batch_size_out_of_range_gets_a_clear_error(env, n):
    # A local client writes the batch size into shared memory itself; the engine refuses any
    # it cannot step (and reports the threads of a step it refused without dividing by it).
    seq, slot = env._next_slot()
    env._pending.append(env._transport.post_step(seq, slot, n, True))
    with pytest.raises(coinrun.EngineError, match=r"batch size n = -?\d+ is out of range \[1, 4\]"):
        env._recv_one(env._pending[0])
    still_serves(env)


def test_a_failed_batch_cancels_the_batches_posted_behind_it():
    """Two batches in flight on the doorbell, the first one bad: it raises, the one behind
    it ran nothing (cancelled), and the session goes on from the seq before the bad one,
    with the same bytes as a session that never saw the bad batch."""
    with (
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=4, batch_size=2, seed=8) as env,
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=4, batch_size=2, seed=8) as ref,
    ):
        assert env.uses_doorbell
        for e in (env, ref):
            e.async_reset()
            e.recv()
            e.recv()
        env.send(np.array([1, 1]), np.array([0, 0]))  # repeated env id: refused by the engine
        env.send(np.array([2, 2]), np.array([2, 3]))  # posted behind it
        with pytest.raises(coinrun.InvalidAction, match="twice"):
            env.recv()
        with pytest.raises(coinrun.CoinRunError, match="nothing in flight"):
            env.recv()  # the cancelled batch was collected with the error
        for e in (env, ref):
            e.send(np.array([3, 4]), np.array([1, 2]))
        got, ref_got = env.recv(), ref.recv()
        assert np.array_equal(got[0], ref_got[0]) and got[4]["env_id"].tolist() == [1, 2]


def test_session_closed_while_the_client_waits_on_the_doorbell(env):
    """Another client closes the session: the next doorbell step fails at once with
    NO_SESSION, not after the request timeout."""
    from conftest import ask, dealer, req

    assert env.uses_doorbell
    sock = dealer(env._client.endpoint)
    try:
        assert ask(sock, req(type="close", session=env.session))[0]["type"] == "close_ok"
    finally:
        sock.close()
    t0 = time.monotonic()
    with pytest.raises(coinrun.EngineError) as ei:
        env.step(np.zeros(4, dtype=np.int32))
    assert ei.value.code == "NO_SESSION"
    assert time.monotonic() - t0 < 5


def test_a_send_nothing_takes_ends_within_the_timeout_and_watches_while_blocked():
    # A DEALER with no connection blocks every send (a refused CURVE handshake leaves the
    # client so until the next reconnect): the send is bounded by the request timeout, and
    # the hello's handshake check runs while it waits.
    import zmq
    from coinrun.client import EngineClient
    from coinrun.errors import EngineTimeout

    client = EngineClient.__new__(EngineClient)
    client.endpoint, client.process, client.timeout_s = "tcp://127.0.0.1:1", None, 0.6
    client._token, client._next_id, client._closed = None, 1, False
    client._sock = zmq.Context.instance().socket(zmq.DEALER)  # never connected
    client._sock.setsockopt(zmq.LINGER, 0)
    client._sock.setsockopt(zmq.SNDTIMEO, 50)
    checks = []
    t0 = time.monotonic()
    try:
        with pytest.raises(EngineTimeout, match="within 0.6 s"):
            client.send({"type": "hello"}, while_blocked=lambda: checks.append(1))
    finally:
        client._sock.close(linger=0)
    assert time.monotonic() - t0 < 3.0
    assert len(checks) >= 2
