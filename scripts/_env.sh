# Sourced by scripts/demo and scripts/test: make .venv and install the project into it.
# Re-installs only when a pyproject.toml changed, so the second run starts at once.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
shopt -s nullglob
manifests=(pyproject.toml audit/pyproject.toml plugins/*/pyproject.toml examples/*/pyproject.toml)
stamp=".venv/.installed-$(cat "${manifests[@]}" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "==> installing the ledger, its verifier and its plugins into .venv"
  .venv/bin/python -m pip install --quiet --upgrade pip
  plugins=()
  for manifest in plugins/*/pyproject.toml examples/*/pyproject.toml; do
    plugins+=(-e "$(dirname "$manifest")")
  done
  .venv/bin/python -m pip install --quiet -e ./audit -e ".[test,postgres]" "${plugins[@]}"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
