"""Output sinks that mirror the input format and never leave half a file.

A sink writes to a temporary file next to its target and renames it into
place on :meth:`Sink.commit`; :meth:`Sink.abort` (or an interrupted run)
removes the temporary file.  Readers of OUT therefore see a finished output
or none at all.  Compressed outputs are reproducible: gzip headers carry no
time stamp or file name, so the same input gives the same bytes.
"""

from __future__ import annotations

import bz2
import gzip
import os
import tempfile
from pathlib import Path
from typing import IO, Any


class Sink:
    """A streaming, atomic output file (plain, ``gz``, ``zst`` or ``bz2``)."""

    def __init__(self, target: Path, compression: str | None = None):
        self.target = Path(target)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".tmp", dir=self.target.parent)
        self.raw: IO[bytes] = os.fdopen(fd, "wb")
        self.fh: Any = self.raw
        if compression == "gz":
            self.fh = gzip.GzipFile(filename="", mode="wb", fileobj=self.raw, mtime=0)
        elif compression == "bz2":
            self.fh = bz2.BZ2File(self.raw, "wb")
        elif compression == "zst":
            import zstandard

            self.fh = zstandard.ZstdCompressor(level=3).stream_writer(self.raw, closefd=False)
        self.bytes_written = 0

    def write(self, data: bytes) -> None:
        self.fh.write(data)
        self.bytes_written += len(data)

    def commit(self) -> None:
        """Finish the file and move it into place."""
        if self.fh is not self.raw:
            self.fh.close()
        self.raw.flush()
        os.fsync(self.raw.fileno())
        self.raw.close()
        os.replace(self.tmp, self.target)

    def abort(self) -> None:
        """Drop the temporary file; the target is left as it was."""
        try:
            if self.fh is not self.raw:
                self.fh.close()
            self.raw.close()
        except Exception:
            pass
        try:
            os.unlink(self.tmp)
        except FileNotFoundError:
            pass


class ParquetSink:
    """A Parquet file written batch by batch, renamed into place on :meth:`commit`."""

    def __init__(self, target: Path):
        self.target = Path(target)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".tmp", dir=self.target.parent)
        os.close(fd)
        self.writer: Any = None
        self.bytes_written = 0

    def write_table(self, table: Any) -> None:
        import pyarrow.parquet as pq

        if self.writer is None:
            self.writer = pq.ParquetWriter(self.tmp, table.schema, compression="zstd")
        self.writer.write_table(table)

    def commit(self, schema: Any = None) -> None:
        import pyarrow.parquet as pq

        if self.writer is None:  # no rows at all: still write a valid, empty file
            import pyarrow as pa

            self.writer = pq.ParquetWriter(self.tmp, schema or pa.schema([]), compression="zstd")
        self.writer.close()
        self.bytes_written = os.path.getsize(self.tmp)
        os.replace(self.tmp, self.target)

    def abort(self) -> None:
        try:
            if self.writer is not None:
                self.writer.close()
        except Exception:
            pass
        try:
            os.unlink(self.tmp)
        except FileNotFoundError:
            pass
