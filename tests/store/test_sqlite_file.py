"""How ideabot opens a SQLite file: WAL mode, even when another copy is preparing the same new file."""

from __future__ import annotations

import sqlite3
import threading
import time

from models.db import _sqlite_pragmas


def test_wal_is_set_once_another_copy_lets_go_of_a_new_file(tmp_path) -> None:
    path = tmp_path / "new.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN EXCLUSIVE")  # another copy starting: it holds the new file for a moment
    other.execute("CREATE TABLE t (x)")
    let_go = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    let_go.start()
    ours = sqlite3.connect(path, timeout=0.01)  # SQLite would answer "database is locked" at once
    try:
        started = time.monotonic()
        _sqlite_pragmas(ours)
        assert time.monotonic() - started >= 0.25  # it waited for the other copy...
        assert ours.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # ...and then switched
        assert ours.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        let_go.join()
        ours.close()
        other.close()
