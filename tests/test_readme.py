"""The README's embedding example runs as printed and says what it prints."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_embedding_example_runs_and_prints_what_its_comment_says(tmp_path):
    code = re.search(r"```python\n(.*?)```", README.read_text(), re.S).group(1)
    assert len(code.strip().splitlines()) <= 20
    promised = re.search(r"print\(err\)\s+# (.*)", code).group(1)
    outputs = []
    for _ in range(2):  # a second run over the same file replays every command: the same output
        out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.splitlines()[0] == promised
        outputs.append(out.stdout)
    assert outputs[0] == outputs[1]
