"""Columnar bulk I/O: whole tables in and out as Polars frames.

PostgreSQL reads go through ADBC (an Arrow-native driver), so a million-loan
book arrives as columns without a Python loop per row; SQLite reads go through
the standard library's driver in large batches (see ``read_frame``). Writes go
through the unit of work's own connection, so they stay inside its
transaction: COPY on PostgreSQL, executemany on SQLite.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from sqlalchemy import Connection, Table
from sqlalchemy.engine import URL

_CHUNK = 200_000


def _adbc_connect(url: URL) -> Any:
    backend = url.get_backend_name()
    if backend == "postgresql":
        import adbc_driver_postgresql.dbapi as pg_adbc

        libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
        return pg_adbc.connect(libpq)
    raise ValueError(f"no bulk reader for {backend}")


def read_frame(conn: Connection, sql: str, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Run ``sql`` and return its rows as a frame cast to ``schema``.

    PostgreSQL: through ADBC on a connection of its own (the caller holds the
    book's advisory lock, so what it reads is stable). SQLite: through the
    unit of work's own connection, never a second SQLite library in the same
    process (two copies of SQLite in one process break its file locks).
    """
    if conn.dialect.name == "postgresql":
        with _adbc_connect(conn.engine.url) as adbc, adbc.cursor() as cur:
            cur.execute(sql)
            table = cur.fetch_arrow_table()
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
    else:
        raw: Any = conn.connection.dbapi_connection
        assert raw is not None
        cur = raw.cursor()
        cur.execute(sql)
        names = [d[0] for d in cur.description]
        parts = []
        while rows := cur.fetchmany(_CHUNK):
            parts.append(pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None))
        cur.close()
        frame = pl.concat(parts, how="vertical_relaxed") if parts else pl.DataFrame()
    if frame.height == 0:
        return pl.DataFrame(schema=dict(schema))
    exprs = []
    for name, dtype in schema.items():
        col = pl.col(name)
        current = frame.schema[name]
        if dtype == pl.Date and current == pl.String:
            exprs.append(col.str.to_date("%Y-%m-%d").alias(name))
        elif dtype == pl.Boolean and current != pl.Boolean:
            exprs.append(col.cast(pl.Int64).cast(pl.Boolean).alias(name))
        else:
            exprs.append(col.cast(dtype).alias(name))
    return frame.select(exprs)


def _sqlite_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates as ISO text and booleans as 0/1, the forms SQLAlchemy's SQLite types store."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            exprs.append(pl.col(name).dt.to_string("%Y-%m-%d"))
        elif dtype == pl.Boolean:
            exprs.append(pl.col(name).cast(pl.Int8))
        else:
            exprs.append(pl.col(name))
    return frame.select(exprs)


def insert_frame(conn: Connection, table: Table, frame: pl.DataFrame) -> int:
    """Insert every row of ``frame`` (columns named as the table's) inside ``conn``'s transaction."""
    if frame.height == 0:
        return 0
    cols = list(frame.columns)
    raw: Any = conn.connection.dbapi_connection
    assert raw is not None
    if conn.dialect.name == "sqlite":
        sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        rows = _sqlite_rows(frame)
        cur = raw.cursor()
        for start in range(0, rows.height, _CHUNK):
            cur.executemany(sql, rows.slice(start, _CHUNK).iter_rows())
        cur.close()
    else:
        copy_sql = f"COPY {table.name} ({', '.join(cols)}) FROM STDIN (FORMAT csv)"
        with raw.cursor() as cur, cur.copy(copy_sql) as copy:
            for start in range(0, frame.height, _CHUNK):
                buf = io.BytesIO()
                frame.slice(start, _CHUNK).write_csv(buf, include_header=False)
                copy.write(buf.getvalue())
    return frame.height


def update_frame(conn: Connection, table: Table, frame: pl.DataFrame, keys: Sequence[str]) -> int:
    """Update rows of ``table`` matched on ``keys`` with the other columns of ``frame``."""
    if frame.height == 0:
        return 0
    setcols = [c for c in frame.columns if c not in keys]
    raw: Any = conn.connection.dbapi_connection
    assert raw is not None
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    sql = (
        f"UPDATE {table.name} SET {', '.join(f'{c} = {mark}' for c in setcols)} "
        f"WHERE {' AND '.join(f'{k} = {mark}' for k in keys)}"
    )
    ordered = frame.select([*setcols, *keys])
    if conn.dialect.name == "sqlite":
        ordered = _sqlite_rows(ordered)
    cur = raw.cursor()
    cur.executemany(sql, list(ordered.iter_rows()))
    cur.close()
    return frame.height


def upsert_frame(conn: Connection, table: Table, frame: pl.DataFrame, keys: Sequence[str]) -> int:
    """Insert rows, replacing the non-key columns of rows whose ``keys`` already exist."""
    if frame.height == 0:
        return 0
    cols = list(frame.columns)
    setcols = [c for c in cols if c not in keys]
    conflict = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET " + ", ".join(
        f"{c} = excluded.{c}" for c in setcols
    )
    raw: Any = conn.connection.dbapi_connection
    assert raw is not None
    if conn.dialect.name == "sqlite":
        sql = (
            f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) " + conflict
        )
        rows = _sqlite_rows(frame)
        cur = raw.cursor()
        for start in range(0, rows.height, _CHUNK):
            cur.executemany(sql, rows.slice(start, _CHUNK).iter_rows())
        cur.close()
        return frame.height
    staging = f"staging_{table.name}"
    with raw.cursor() as cur:
        cur.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {table.name} INCLUDING DEFAULTS) "
            "ON COMMIT DELETE ROWS"
        )
        with cur.copy(f"COPY {staging} ({', '.join(cols)}) FROM STDIN (FORMAT csv)") as copy:
            for start in range(0, frame.height, _CHUNK):
                buf = io.BytesIO()
                frame.slice(start, _CHUNK).write_csv(buf, include_header=False)
                copy.write(buf.getvalue())
        cur.execute(
            f"INSERT INTO {table.name} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM {staging} {conflict}"
        )
        cur.execute(f"DELETE FROM {staging}")
    return frame.height
