"""Hypothesis properties of the Python client's validation: any action array is either
accepted (exactly when it is valid) or refused with InvalidAction naming the env, value
and range, before anything reaches the engine; bad constructor arguments raise
InvalidOption without leaving an engine behind."""

from __future__ import annotations

import coinrun
import numpy as np
import pytest
from conftest import engine_children, needs_engine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

pytestmark = [needs_engine, pytest.mark.timeout(300)]

N = 4
N_ACTIONS = 7

DTYPES = st.sampled_from(
    [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint32, np.uint64, np.float32, np.float64, np.bool_]
)
SHAPES = st.sampled_from([(N,), (N, 1), (1, N), (N - 1,), (N + 1,), (), (2, 2), (N, 2), (0,)])


@pytest.fixture(scope="module")
def env():
    e = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=N, seed=1)
    e.reset()
    yield e
    e.close()


def expected_valid(a: np.ndarray) -> bool:
    if a.shape != (N,) and not (a.size == N and a.ndim == 2 and 1 in a.shape):
        return False
    if a.dtype.kind not in "iu":
        return False  # float and bool actions are refused, integral or not
    flat = a.reshape(N)
    return bool(np.all(flat >= 0) and np.all(flat < N_ACTIONS))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), dtype=DTYPES, shape=SHAPES)
def test_actions_are_accepted_exactly_when_valid(env, data, dtype, shape):
    if np.dtype(dtype).kind == "f":
        w = np.dtype(dtype).itemsize * 8
        elems = st.one_of(st.floats(-10, 20, width=w), st.sampled_from([float("nan"), float("inf"), -float("inf")]))
    elif np.dtype(dtype).kind == "b":
        elems = st.booleans()
    else:
        info = np.iinfo(dtype)
        elems = st.integers(max(info.min, -(2**40)), min(info.max, 2**40))
    a = data.draw(hnp.arrays(dtype, shape, elements=elems))
    seq_before = env._seq
    if expected_valid(a):
        obs, rew, term, trunc, info = env.step(a)
        assert obs.shape == (N, 64, 64, 3) and rew.shape == (N,)
        assert env._seq == seq_before + 1
    else:
        with pytest.raises(coinrun.InvalidAction) as ei:
            env.step(a)
        err = ei.value
        assert isinstance(err, ValueError) and str(err)
        assert err.valid == (0, N_ACTIONS)
        if err.env >= 0:  # a value error names the env and the value
            flat = np.asarray(a).reshape(N)
            assert flat[err.env] == err.value or (np.isnan(flat[err.env]) and np.isnan(err.value))
        assert env._seq == seq_before, "a refused step consumed a sequence number"
        # nothing changed: the env still steps
        env.step(np.zeros(N, dtype=np.int32))


@settings(max_examples=60, deadline=None)
@given(
    num_envs=st.one_of(
        st.integers(-(2**40), 0), st.floats(allow_nan=True), st.text(max_size=3), st.none(), st.booleans()
    )
)
def test_bad_num_envs_is_refused_before_launching(num_envs):
    before = set(engine_children())
    with pytest.raises(coinrun.InvalidOption, match="num_envs"):
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=num_envs)
    assert set(engine_children()) <= before


@settings(max_examples=40, deadline=None)
@given(batch=st.integers(-5, 20).filter(lambda b: not 1 <= b <= 3))
def test_bad_batch_size_is_refused(batch):
    with pytest.raises(coinrun.InvalidOption, match="batch_size"):
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=3, batch_size=batch)


@settings(max_examples=25, deadline=None)
@given(
    name=st.sampled_from(["num_levels", "set_seed", "paint_vel_info", "autoreset_mode", "default_zoom"]),
    value=st.one_of(
        st.text(max_size=4), st.lists(st.integers(-(2**63), 2**63 - 1), max_size=2), st.integers(-(2**62), -1)
    ),
)
def test_bad_option_values_raise_invalid_option_and_leave_no_engine(name, value):
    before = set(engine_children())  # the module's env fixture may be alive
    try:
        env = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=1, **{name: value})
    except coinrun.InvalidOption as e:
        assert name in str(e) or "option" in str(e).lower()
    else:  # some values are legal (e.g. negative set_seed means "unset"): then it works
        env.reset()
        env.close()
    assert set(engine_children()) <= before


def test_option_integer_beyond_64_bits_is_an_invalid_option():
    before = set(engine_children())
    try:
        with pytest.raises(coinrun.InvalidOption):
            coinrun.make_vec("coinrun/CoinRun-v0", num_envs=1, num_levels=2**64)
    finally:
        assert set(engine_children()) <= before
