"""Every Python example in README.md and docs/*.md runs as written.

The ```python blocks of one file run in order, in one namespace (a later block may use what an
earlier one made), in a fresh interpreter inside a temporary directory. A block that is not
meant to run is fenced as something else (```text)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import REPO, needs_engine

pytestmark = [needs_engine, pytest.mark.timeout(600)]

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
BLOCK = re.compile(r"^([ \t]*)```python[ \t]*\n(.*?)^\1```[ \t]*$", re.S | re.M)


def python_blocks(path: Path) -> list[str]:
    return [textwrap.dedent(m.group(2)) for m in BLOCK.finditer(path.read_text())]


def test_the_docs_have_examples():
    assert sum(len(python_blocks(p)) for p in DOCS) >= 10


@pytest.mark.parametrize("doc", [p for p in DOCS if python_blocks(p)], ids=lambda p: p.name)
def test_examples_run_as_written(doc: Path, tmp_path: Path):
    code = "\n".join(python_blocks(doc))
    script = tmp_path / f"{doc.stem}_examples.py"
    script.write_text(code)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    r = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=500
    )
    assert r.returncode == 0, f"an example of {doc.relative_to(REPO)} failed:\n{r.stderr[-3000:]}"
