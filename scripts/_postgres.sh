# Sourced by scripts/test: make sure PostgreSQL server binaries exist, so the suite can start
# its own throwaway server (ledger/pgserver.py) on loopback. Installs Debian's postgresql
# package when they are missing and we may (root, or passwordless sudo). The tests themselves
# fail — never skip — without a server.
have_pg_server() {
  [ -n "${LEDGER_PG_BINDIR:-}" ] && [ -x "$LEDGER_PG_BINDIR/initdb" ] && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && return 0
  command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ] && return 0
  return 1
}
if ! have_pg_server; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="none"; fi
  fi
  if [ "$SUDO" != "none" ] && command -v apt-get >/dev/null; then
    echo "==> installing PostgreSQL (Debian package postgresql) for the test suite's own server"
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  else
    echo "!! PostgreSQL server binaries not found and cannot be installed here: install Debian's" \
         "postgresql package (or set LEDGER_PG_BINDIR); the PostgreSQL tests will fail" >&2
  fi
fi
