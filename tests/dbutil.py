"""Reading a test warehouse the way a user would: a read-only connection, closed at once."""

import duckdb


def query(path, sql, params=None):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
