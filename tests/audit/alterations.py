"""Alterations of export lines that the audit tests share: one change to one line of a JSONL file.

Tests that compare two walks (the block path and the one-event walk, the fast verifier and
the reference kernel) apply these to an intact export and demand the same outcome.
"""

from __future__ import annotations

import re

from exportkit import ExportKit, community

#: Every action :func:`alter` knows.
ACTIONS = ["flip", "set", "delete", "duplicate", "swap", "space", "escape", "stream-upper", "day-31", "version", "type",
           "array"]


def bigger() -> ExportKit:
    """The community ledger plus enough transfers to span several blocks of a few events."""
    kit = community()
    for i in range(25):
        kit.transfer(f"x{i}", "alice", "bob", 1 + i * 7, "minutes", memo=f"memo {i} ✓", withheld=i % 9 == 4)
    return kit


def alter(lines: list[bytes], action: str, index: int, other: int, byte: int) -> list[bytes]:
    lines = list(lines)
    index %= len(lines)
    other %= len(lines)
    if action == "flip":
        line = bytearray(lines[index])
        if line:
            line[byte % len(line)] ^= 1 << (byte % 8)
        lines[index] = bytes(line)
    elif action == "set":
        line = bytearray(lines[index])
        if line:
            line[other % len(line)] = byte
        lines[index] = bytes(line)
    elif action == "delete":
        del lines[index]
    elif action == "duplicate":
        lines.insert(other, lines[index])
    elif action == "swap":
        lines[index], lines[other] = lines[other], lines[index]
    elif action == "space":
        lines[index] = lines[index].replace(b",", b", ", 1)
    elif action == "escape":
        lines[index] = lines[index].replace(b"a", b"\\u0061", 1)
    # The rules of chain-spec §2 and §3, broken in one line (a leaf's, or a body's for "array"):
    elif action == "stream-upper":
        lines[index] = re.sub(rb'"stream":"([0-9a-f-]{36})"', lambda m: m.group(0).upper().replace(b"STREAM", b"stream"),
                              lines[index], count=1)
    elif action == "day-31":
        lines[index] = re.sub(rb'("ts":"[0-9]{4}-[0-9]{2}-)[0-9]{2}', rb"\g<1>31", lines[index], count=1)
    elif action == "version":
        lines[index] = re.sub(rb'"version":[0-9]+', b'"version":%d' % (1 + byte % 3), lines[index], count=1)
    elif action == "type":
        lines[index] = lines[index].replace(b'.v1"', b'"', 1)
    elif action == "array":
        lines[index] = b"[" + lines[index] + b"]"
    return lines
