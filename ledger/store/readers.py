"""One autocommit reader connection per thread, shared by both recorders' ``query``."""

from __future__ import annotations

import threading
from typing import Any, Callable


class ReaderConnections:
    """Opens a reader connection per thread on first use and closes them all at once.

    ``connect()`` makes a new connection; ``is_closed(conn)`` says whether one can no
    longer be used (a PostgreSQL connection the server dropped), so it is replaced.
    """

    def __init__(self, connect: Callable[[], Any], is_closed: Callable[[Any], bool] = lambda conn: False) -> None:
        self._connect = connect
        self._is_closed = is_closed
        self._local = threading.local()
        self._opened: list[Any] = []

    def get(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None or self._is_closed(conn):
            conn = self._local.conn = self._connect()
            self._opened.append(conn)
        return conn

    def close(self) -> None:
        for conn in self._opened:
            conn.close()
        self._opened.clear()
        self._local = threading.local()
