"""tools/bench_async.py runs end to end and reports a paired ratio per batch size (a tiny
run: this checks the tool, not the speed; performance is never asserted in tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import REPO, needs_engine


@needs_engine
def test_bench_async_reports_paired_rounds_for_each_size_and_work(tmp_path):
    out = tmp_path / "async.json"
    cmd = [sys.executable, str(REPO / "tools" / "bench_async.py"), "--envs", "4,8", "--work-us", "0,1"]
    cmd += ["--parts", "2,4", "--rounds", "2", "--window", "0.05", "--json", str(out)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert p.returncode == 0, p.stderr
    assert "| 8 | N/4 | 1 us |" in p.stdout
    results = json.loads(out.read_text())["results"]
    assert [(r["n"], r["parts"], r["work_us"]) for r in results] == [
        (n, k, w) for w in (0.0, 1.0) for k in (2, 4) for n in (4, 8)
    ]
    for r in results:
        assert r["sync"] > 0 and r["async"] > 0 and r["rounds"] == 2 and 0 <= r["async_won"] <= 2
        assert r["ratio"] > 0 and r["sync_cores"] > 0 and r["async_cores"] > 0
        for m in ("sync", "async"):
            assert r[f"{m}_client_us_per_call"] > 0 and r[f"{m}_engine_us_per_step"] > 0


def test_bench_async_refuses_bad_arguments():
    p = subprocess.run(
        [sys.executable, str(REPO / "tools" / "bench_async.py"), "--envs", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 2 and "--envs must be >= 2" in p.stderr
    p = subprocess.run(
        [sys.executable, str(REPO / "tools" / "bench_async.py"), "--envs", "64", "--parts", "3"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 2 and "--parts must be in [2, 15]" in p.stderr
