"""coinrun-viewer, headless under QT_QPA_PLATFORM=offscreen: key events move the agent
exactly as the equivalent actions do, screenshots show the game, replays reproduce the
recorded final state bit for bit, and an attached spectator sees the session's frames.

The viewer is found through ``COINRUN_VIEWER``, ``build/`` or ``build-viewer/``; these tests
are skipped (with the reason) when it was not built (no Qt 6).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
from coinrun.interactive import ViewerNotFound, build_parser, find_viewer, viewer_args
from coinrun.recording import (
    EpisodeFileError,
    EpisodeRecorder,
    EpisodeRecording,
    EpisodeResult,
)

REPO = Path(__file__).resolve().parents[2]  # conftest.py puts REPO/pyclient on sys.path

try:
    VIEWER: Path | None = find_viewer()
except ViewerNotFound:
    VIEWER = None
needs_viewer = pytest.mark.skipif(VIEWER is None,
                                  reason="no coinrun-viewer (needs Qt 6): build it or set COINRUN_VIEWER")

# Qt wants a private runtime directory; give it one instead of a warning on every run.
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
       "XDG_RUNTIME_DIR": os.environ.get("XDG_RUNTIME_DIR") or tempfile.mkdtemp(prefix="coinrun-viewer-")}
TIMEOUT_S = 60  # every viewer run is bounded; a hang fails the test instead of the suite


def run_viewer(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    assert VIEWER is not None
    p = subprocess.run([str(VIEWER), *args], check=False, capture_output=True, text=True, env=ENV, timeout=TIMEOUT_S)
    if check and p.returncode != 0:
        raise AssertionError(f"coinrun-viewer {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p


def state(*args: str) -> dict:
    return json.loads(run_viewer(*args, "--print-state").stdout)


# ----------------------------------------------------------------------------------------
# keyboard play


@needs_viewer
def test_right_key_moves_agent_right() -> None:
    still = state("--game", "standard", "--seed", "7", "--key-script", "tick:10")
    moved = state("--game", "standard", "--seed", "7", "--key-script", "press:Right tick:10 release:Right")
    assert still["step"] == moved["step"] == 10
    assert moved["agent"]["x"] > still["agent"]["x"] + 0.5
    # The spawn is at the left wall, so go right first and then come back.
    back = state("--game", "standard", "--seed", "7", "--key-script",
                 "press:Right tick:10 release:Right press:Left tick:10 release:Left")
    assert back["agent"]["x"] < moved["agent"]["x"]


# (keys held, the action docs/rules.md §10.9 maps them to)
KEY_CASES = [
    ([], 0), (["Right"], 1), (["Left"], 2), (["Up"], 3), (["Right", "Up"], 4), (["Left", "Up"], 5),
    (["Down"], 6), (["Down", "Right"], 6), (["Left", "Right"], 0), (["Left", "Right", "Up"], 3),
]


@needs_viewer
@pytest.mark.parametrize("game", ["standard", "maze"])
@pytest.mark.parametrize(("keys", "action"), KEY_CASES)
def test_keys_give_the_same_state_as_their_action(game: str, keys: list[str], action: int) -> None:
    n = 12
    script = " ".join(f"press:{k}" for k in keys) + f" tick:{n}"
    by_keys = state("--game", game, "--seed", "11", "--key-script", script)
    by_actions = state("--game", game, "--seed", "11", "--actions", str(action) * n)
    assert by_keys == by_actions


@needs_viewer
def test_tap_shorter_than_a_tick_counts() -> None:
    tapped = state("--game", "maze", "--seed", "2", "--key-script", "tap:Right tick:1")
    assert tapped == state("--game", "maze", "--seed", "2", "--actions", "1")


@needs_viewer
def test_return_ends_the_episode() -> None:
    s = state("--game", "standard", "--seed", "4", "--key-script", "press:Right tick:5 tap:Return tick:1")
    assert s["step"] == 1  # a new episode on the same (fixed) level, one tick in
    assert s["level_seed"] == 4


@needs_viewer
def test_level_sampler_options() -> None:
    a = state("--game", "standard", "--num-levels", "10", "--set-seed", "-1", "--rand-seed", "3")
    b = state("--game", "standard", "--num-levels", "10", "--set-seed", "-1", "--rand-seed", "3")
    assert a == b and 0 <= a["level_seed"] < 10


# ----------------------------------------------------------------------------------------
# screenshots


@needs_viewer
@pytest.mark.parametrize("game", ["standard", "platform", "maze"])
def test_screenshot_is_the_game_and_not_blank(game: str, tmp_path: Path) -> None:
    out = tmp_path / f"{game}.png"
    run_viewer("--game", game, "--seed", "1", "--steps", "20", "--actions", "1", "--screenshot", str(out))
    img = iio.imread(out)
    assert img.shape[:2] == (512, 512)
    colours = np.unique(img.reshape(-1, img.shape[-1])[:, :3], axis=0)
    assert len(colours) >= 2, "blank screenshot"
    # Different levels give different pictures.
    other = tmp_path / "other.png"
    run_viewer("--game", game, "--seed", "2", "--steps", "20", "--actions", "1", "--screenshot", str(other))
    assert not np.array_equal(img, iio.imread(other))


@needs_viewer
def test_screenshot_size_and_agent_view(tmp_path: Path) -> None:
    out = tmp_path / "s.png"
    run_viewer("--game", "standard", "--seed", "3", "--size", "200", "--screenshot", str(out))
    assert iio.imread(out).shape[:2] == (200, 200)
    run_viewer("--game", "standard", "--seed", "3", "--size", "256", "--agent-view", "--no-hud",
               "--screenshot", str(out))
    img = iio.imread(out)
    # The 64x64 agent view enlarged 4x with nearest-neighbour: 4x4 blocks of one colour.
    assert np.array_equal(img, np.repeat(np.repeat(img[::4, ::4], 4, axis=0), 4, axis=1))


@needs_viewer
def test_bad_arguments_are_clear_errors(tmp_path: Path) -> None:
    p = run_viewer("--game", "nope", "--print-state", check=False)
    assert p.returncode != 0 and "unknown game 'nope'" in p.stderr and "standard" in p.stderr
    p = run_viewer("--actions", "18", "--print-state", check=False)
    assert p.returncode == 2 and "not an action" in p.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "coinrun-episode", "version": 1, "game": "standard", "level_seed": 1, "actions": [9]}')
    p = run_viewer("--replay", str(bad), "--check", check=False)
    assert p.returncode == 1 and "action 9 at index 0" in p.stderr
    bad.write_text("not json")
    p = run_viewer("--replay", str(bad), "--check", check=False)
    assert p.returncode == 1 and "not JSON" in p.stderr


# ----------------------------------------------------------------------------------------
# recording and replay


def _play_one_episode(tmp_path: Path, game: str, seed: int, actions: str) -> Path:
    ep = tmp_path / f"{game}_{seed}.json"
    # Long enough for any episode to end (time limit §6: done on step 1002 at the latest).
    run_viewer("--game", game, "--seed", str(seed), "--actions", actions, "--steps", "1100",
               "--save-episode", str(ep))
    assert ep.is_file(), "no episode finished"
    return ep


@needs_viewer
@pytest.mark.parametrize(("game", "seed", "actions"), [("standard", 5, "1114"), ("platform", 9, "14"),
                                                      ("maze", 3, "1324")])
def test_replay_reproduces_the_recorded_final_state(tmp_path: Path, game: str, seed: int, actions: str) -> None:
    ep = _play_one_episode(tmp_path, game, seed, actions)
    rec = EpisodeRecording.load(ep)
    assert rec.game == game and rec.level_seed == seed and rec.result is not None
    assert rec.result.length == len(rec.actions) and rec.result.agent is not None
    p = run_viewer("--replay", str(ep), "--check", "--print-state")
    assert "matches the recording" in p.stderr
    final = json.loads(p.stdout)
    assert final["agent"] == pytest.approx(rec.result.agent, abs=0)
    assert final["episode_over"] is True
    # A replay at another resolution is the same episode.
    shot = tmp_path / "final.png"
    run_viewer("--replay", str(ep), "--check", "--size", "300", "--screenshot", str(shot))
    assert iio.imread(shot).shape[:2] == (300, 300)


@needs_viewer
def test_replay_detects_a_different_outcome(tmp_path: Path) -> None:
    ep = _play_one_episode(tmp_path, "standard", 5, "1114")
    data = json.loads(ep.read_text())
    data["result"]["agent"]["x"] += 1.0
    ep.write_text(json.dumps(data))
    p = run_viewer("--replay", str(ep), "--check", check=False)
    assert p.returncode == 1 and "DIFFERS" in p.stderr


@needs_viewer
def test_replay_exports_frames(tmp_path: Path) -> None:
    ep = _play_one_episode(tmp_path, "maze", 3, "1324")
    # The first 40 actions only: a cut recording (no result) replays and exports as well.
    rec = EpisodeRecording.load(ep)
    rec.actions, rec.result = rec.actions[:40], None
    rec.save(ep)
    n = len(rec.actions)
    frames = tmp_path / "frames"
    p = run_viewer("--replay", str(ep), "--export-frames", str(frames))
    pngs = sorted(frames.glob("frame_*.png"))
    assert len(pngs) == n + 1  # the first frame, then one per action
    assert iio.imread(pngs[-1]).shape[:2] == (512, 512)
    assert "ffmpeg" in p.stderr


def _documented_episode() -> dict:
    """The example file of docs/viewer.md ("Format: coinrun-episode"): the format's definition."""
    text = (REPO / "docs" / "viewer.md").read_text()
    start = text.index("### Format: `coinrun-episode`")
    block = text[text.index("```json", start) + len("```json"):]
    return json.loads(block[:block.index("```")])


def _shape(doc: dict) -> dict:
    """The keys of an episode file, nested maps included (values do not matter here)."""
    return {k: _shape(v) if isinstance(v, dict) else None for k, v in doc.items()}


def test_python_reads_and_writes_the_documented_episode_format() -> None:
    doc = _documented_episode()
    assert EpisodeRecording.from_json(doc).to_json() == doc


@needs_viewer
def test_viewer_and_python_write_one_episode_format(tmp_path: Path) -> None:
    """The viewer (engine/viewer/episode_file.cpp) and pyclient/coinrun/recording.py implement
    one format in two languages: the viewer writes exactly the documented fields, and Python
    reads its file and writes it back unchanged. (The other direction, a Python file replayed
    by the viewer, is test_episode_recorder_files_replay_exactly.)"""
    raw = json.loads(_play_one_episode(tmp_path, "standard", 5, "1114").read_text())
    assert _shape(raw) == _shape(_documented_episode())
    assert EpisodeRecording.from_json(raw).to_json() == raw


def test_recording_file_round_trip(tmp_path: Path) -> None:
    rec = EpisodeRecording(game="maze", level_seed=-5, actions=[1, 2, 3], options={"high_difficulty": True},
                           result=EpisodeResult(3, 10.0, True, False, True))
    rec.save(tmp_path / "e.json")
    back = EpisodeRecording.load(tmp_path / "e.json")
    assert back == rec
    with pytest.raises(EpisodeFileError, match="outside"):
        EpisodeRecording.from_json({**rec.to_json(), "actions": [7]})
    with pytest.raises(EpisodeFileError, match="format"):
        EpisodeRecording.from_json({"format": "x"})


# ----------------------------------------------------------------------------------------
# the Python entry point


def test_interactive_flags_map_to_viewer_flags() -> None:
    ns = build_parser().parse_args(["-gamet", "maze", "-nlev", "50", "--set-seed", "7", "--highd", "--seed", "3"])
    args = viewer_args(ns)
    assert args[args.index("--game") + 1] == "maze"
    assert args[args.index("--num-levels") + 1] == "50"
    assert args[args.index("--set-seed") + 1] == "7"
    assert args[args.index("--seed") + 1] == "3"
    assert "--high-difficulty" in args
    assert args[args.index("--paint-vel-info") + 1] == "0"  # §10.9: off unless asked for


@needs_viewer
def test_python_m_coinrun_interactive_runs_the_viewer(tmp_path: Path) -> None:
    out = tmp_path / "i.png"
    p = subprocess.run([sys.executable, "-m", "coinrun.interactive", "-gamet", "platform", "--seed", "4", "--",
                        "--screenshot", str(out)], check=False, capture_output=True, text=True, timeout=TIMEOUT_S,
                       env={**ENV, "PYTHONPATH": str(REPO / "pyclient"), "COINRUN_VIEWER": str(VIEWER)})
    assert p.returncode == 0, p.stderr
    assert iio.imread(out).shape[:2] == (512, 512)


# ----------------------------------------------------------------------------------------
# attach to a running engine


def _engine_binary() -> Path | None:
    """An engine that serves: $COINRUN_ENGINE, else the newest build."""
    cands = [Path(os.environ["COINRUN_ENGINE"])] if os.environ.get("COINRUN_ENGINE") else []
    cands += [REPO / d / "coinrun-engine" for d in ("build", "build-viewer")]
    for c in cands:
        if not c.is_file():
            continue
        usage = subprocess.run([str(c), "--help"], check=False, capture_output=True, text=True, timeout=10)
        if "serve" in usage.stdout:
            return c
    return None


ENGINE = _engine_binary()
needs_engine = pytest.mark.skipif(ENGINE is None or VIEWER is None, reason="needs coinrun-engine and coinrun-viewer")


@pytest.fixture
def engine():
    from coinrun.launcher import EngineProcess

    proc = EngineProcess(binary=ENGINE)
    yield proc
    proc.stop()


@needs_engine
def test_attach_frames_match_the_session(engine, tmp_path: Path) -> None:
    import coinrun

    envs = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=3, address=engine.endpoint, seed=5, label="viewer-test")
    try:
        envs.reset()
        rng = np.random.default_rng(0)
        for _ in range(30):
            obs, *_ = envs.step(rng.integers(0, 7, size=3))
        listed = json.loads(run_viewer("--attach", engine.endpoint, "--list").stdout)
        assert [s["session"] for s in listed] == [envs.session] and listed[0]["steps"] >= 30
        for env in (0, 2):
            shot = tmp_path / f"obs{env}.png"
            run_viewer("--attach", engine.endpoint, "--session", str(envs.session), "--env", str(env),
                       "--size", "64", "--raw", "--screenshot", str(shot))
            # The 64x64 render of the current state is the observation the client holds.
            assert np.array_equal(iio.imread(shot), obs[env])
        hi = tmp_path / "hi.png"
        run_viewer("--attach", engine.endpoint, "--session", str(envs.session), "--env", "1", "--raw",
                   "--screenshot", str(hi))
        assert np.array_equal(iio.imread(hi), envs.render_env(1, 512, 512))
    finally:
        envs.close()


@needs_engine
def test_attach_live_window_pulls_frames_while_the_session_runs(engine, tmp_path: Path) -> None:
    import coinrun

    envs = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=2, address=engine.endpoint, seed=1)
    frames = tmp_path / "live"
    viewer = subprocess.Popen([str(VIEWER), "--attach", engine.endpoint, "--session", str(envs.session),
                               "--fps", "30", "--size", "128", "--frames", "8", "--export-frames", str(frames)],
                              env=ENV, stderr=subprocess.PIPE, text=True)
    try:
        envs.reset()
        deadline = time.monotonic() + TIMEOUT_S
        steps = 0
        while viewer.poll() is None and time.monotonic() < deadline:
            envs.step(np.ones(2, dtype=np.int64))
            steps += 1
        assert viewer.wait(timeout=10) == 0, viewer.stderr.read() if viewer.stderr else ""
        pngs = sorted(frames.glob("frame_*.png"))
        assert len(pngs) >= 7
        assert steps > 0
        assert iio.imread(pngs[-1]).shape[:2] == (128, 128)
    finally:
        if viewer.poll() is None:
            viewer.kill()
        envs.close()


@needs_viewer
def test_attach_to_nothing_is_a_timely_error(tmp_path: Path) -> None:
    t0 = time.monotonic()
    p = run_viewer("--attach", f"ipc://{tmp_path}/none.sock", "--list", check=False)
    assert p.returncode == 1 and "is coinrun-engine serving there" in p.stderr
    assert time.monotonic() - t0 < 15


@needs_engine
@pytest.mark.parametrize("autoreset", ["same_step", "next_step"])
def test_episode_recorder_files_replay_exactly(engine, tmp_path: Path, autoreset: str) -> None:
    import coinrun

    envs = coinrun.make_vec("coinrun/RandomMazes-v0", num_envs=2, address=engine.endpoint, seed=2,
                            num_levels=20, autoreset_mode=autoreset)
    try:
        rec = EpisodeRecorder(envs, tmp_path / "eps", max_episodes=3)
        _, infos = envs.reset()
        rec.on_reset(infos)
        rng = np.random.default_rng(1)
        for _ in range(3000):
            if len(rec.saved) >= 3:
                break
            a = rng.integers(0, 7, size=2)
            _, r, te, tr, infos = envs.step(a)
            rec.on_step(a, r, te, tr, infos)
    finally:
        envs.close()
    assert len(rec.saved) == 3
    for path in rec.saved:
        p = run_viewer("--replay", str(path), "--check", check=False)
        assert p.returncode == 0 and "matches the recording" in p.stderr, p.stderr


@needs_engine
def test_watch_helper_opens_a_viewer_on_a_vector_env(engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import coinrun
    from coinrun.interactive import watch

    monkeypatch.setenv("COINRUN_VIEWER", str(VIEWER))
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    envs = coinrun.make_vec("coinrun/CoinRunPlatforms-v0", num_envs=2, address=engine.endpoint, seed=3)
    try:
        envs.reset()
        proc = watch(envs, env=1, extra=["--frames", "3", "--export-frames", str(tmp_path / "w")])
        assert proc.wait(timeout=TIMEOUT_S) == 0
        assert len(list((tmp_path / "w").glob("frame_*.png"))) == 3
    finally:
        envs.close()
