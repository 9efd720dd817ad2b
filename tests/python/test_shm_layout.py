"""The segment header is defined once, in C++ (engine/server/shm_layout.h); the Python
client reads it with its own struct formats (pyclient/coinrun/shm.py). This compares the
two, field by field, through the layout the native doorbell library was compiled with."""

from __future__ import annotations

import ctypes
import json
import re
import struct

import pytest
from coinrun import protocol, shm
from coinrun.doorbell import load_library
from conftest import ENGINE, needs_engine

pytestmark = needs_engine

# shm._HEADER's fields, in order.
HEADER_FIELDS = [
    "magic",
    "layout_version",
    "header_bytes",
    "total_bytes",
    "session_id",
    "engine_pid",
    "num_envs",
    "ring_depth",
    "obs_h",
    "obs_w",
    "obs_c",
    "n_actions",
    "state",
    "heartbeat",
    "num_regions",
    "reserved0",
    "slots_offset",
    "slot_bytes",
]


@pytest.fixture(scope="module")
def engine_layout() -> dict[str, int]:
    lib = load_library(ENGINE.parent if ENGINE else None)
    if lib is None:
        pytest.fail("libcoinrun_doorbell.so was not built next to the engine: run `make`")
    lib.coinrun_shm_layout_json.restype = ctypes.c_char_p
    return json.loads(lib.coinrun_shm_layout_json())


def test_header_fields_sit_where_the_engine_puts_them(engine_layout: dict[str, int]) -> None:
    tokens = re.findall(r"\d*[a-zA-Z]", shm._HEADER.format)
    assert len(tokens) == len(HEADER_FIELDS), "shm._HEADER and HEADER_FIELDS disagree"
    for i, name in enumerate(HEADER_FIELDS):
        offset = struct.calcsize("<" + "".join(tokens[:i]))
        assert engine_layout[name] == offset, f"{name}: engine at {engine_layout[name]}, client at {offset}"
    assert shm._HEADER.size <= engine_layout["regions"], "the client's header runs into the region table"


def test_tables_and_blocks_sit_where_the_engine_puts_them(engine_layout: dict[str, int]) -> None:
    assert shm._REGION_TABLE_OFFSET == engine_layout["regions"]
    assert shm._REGION_ENTRY.size == engine_layout["region_entry_bytes"]
    assert shm._SLOT_SEQ_OFFSET == engine_layout["slot_seq"]
    assert shm.HEADER_BYTES == engine_layout["header_total"]
    assert protocol.LAYOUT_VERSION == engine_layout["layout_version_value"]
