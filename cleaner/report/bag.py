"""Package a cleaned run as a BagIt bag (RFC 8493) for archival deposit.

A bag is a folder with a fixed layout that any BagIt tool (the Library of
Congress ``bagit.py``, ``bagit-java``, Archivematica…) can validate: every
payload file is listed with its SHA-256 and SHA-512, and the tag files are
themselves fixed by tag manifests.  The bag written here holds::

    bagit.txt                  version and encoding
    bag-info.txt               who made it, when, with which settings, Payload-Oxum
    manifest-sha256.txt        checksums of every file under data/
    manifest-sha512.txt
    tagmanifest-sha256.txt     checksums of the four files above
    tagmanifest-sha512.txt
    data/original/<path>       each original, rebuilt from the log and verified
    data/cleaned/<path>        each cleaned file
    data/cleaned/cleaner-log.jsonl, stats.json   the edit log and the run record
    data/report/…              the HTML report, when one was written
    cleaner-renamed.txt        only when a name held ``%``, CR or LF (see :func:`portable_name`)

The bag is assembled in a temporary folder beside the destination and moved
into place at the end, so an interrupted run never leaves half a bag.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cleaner import __version__
from cleaner.io.files import InputError
from cleaner.pipeline import LOG_NAME, read_log, restore_document, safe_join
from cleaner.report.provenance import RUN_NAME, read_run_record, run_datetime

BAGIT_VERSION = "1.0"
ALGORITHMS = ("sha256", "sha512")


class BagError(InputError):
    """The bag cannot be written (a destination in the way, an original that cannot be rebuilt)."""


@dataclass
class BagResult:
    """What :func:`write_bag` wrote."""

    path: Path
    payload_files: int = 0
    payload_bytes: int = 0
    documents: int = 0
    files: list[str] = field(default_factory=list)  # payload paths, relative to the bag


#: Characters RFC 8493 wants percent-encoded in manifests.  BagIt tools disagree on ``%``
#: (bagit.py neither writes nor reads ``%25``), so payload names never contain them:
#: they are replaced by look-alikes and the real name is listed in ``cleaner-renamed.txt``.
_PORTABLE = str.maketrans({"%": "\uff05", "\r": "\u240d", "\n": "\u240a"})
RENAMED_NAME = "cleaner-renamed.txt"


def portable_name(rel: str) -> str:
    """*rel* with ``%``, CR and LF replaced by look-alikes (％ ␍ ␊), so every BagIt tool reads it alike."""
    return rel.translate(_PORTABLE)


def encode_path(rel: str) -> str:
    """A payload path as RFC 8493 writes it in a manifest (``%``, CR and LF percent-encoded)."""
    return rel.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _tag_value(value: str) -> str:
    return " ".join(str(value).split())


def _human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{n} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"  # pragma: no cover


class _Writer:
    def __init__(self, root: Path):
        self.root = root
        self.digests: dict[str, dict[str, str]] = {}
        self.octets = 0
        self.renamed: dict[str, str] = {}

    def add(self, rel: str, data: bytes) -> None:
        portable = portable_name(rel)
        if portable != rel:
            self.renamed[portable] = rel
            rel = portable
        if rel in self.digests:
            raise BagError(f"two payload files would both be {rel}")
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.digests[rel] = {a: hashlib.new(a, data).hexdigest() for a in ALGORITHMS}
        self.octets += len(data)


def _manifest(digests: dict[str, dict[str, str]], algorithm: str) -> bytes:
    lines = [f"{d[algorithm]}  {encode_path(rel)}\n" for rel, d in sorted(digests.items())]
    return "".join(lines).encode("utf-8")


def write_bag(
    out_dir: str | Path,
    bag_dir: str | Path,
    *,
    extra: Iterable[tuple[str | Path, str]] = (),
) -> BagResult:
    """Write the run in *out_dir* (cleaned files + log) as a BagIt bag at *bag_dir*.

    Every original is rebuilt with the log and checked against its recorded
    SHA-256 before it goes into the bag.  *extra* adds ``(file, name)`` pairs
    under ``data/report/`` (the HTML report and its pages).  *bag_dir* must
    not exist or be an empty folder: a bag is never written over another.
    Raises :class:`BagError` (an :class:`~cleaner.io.files.InputError`) when
    something makes the bag impossible; nothing is left behind then.
    """
    out_dir = Path(out_dir)
    bag_dir = Path(bag_dir)
    if bag_dir.exists() and (not bag_dir.is_dir() or any(bag_dir.iterdir())):
        raise BagError(f"{bag_dir}: already exists and is not an empty folder; a bag is never written over")
    try:
        if bag_dir.resolve().is_relative_to(out_dir.resolve()):
            raise BagError(f"{bag_dir}: the bag cannot be inside the output folder it packages")
    except OSError:
        pass
    records = read_log(out_dir)
    run = read_run_record(out_dir) or {}
    bag_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{bag_dir.name}.", suffix=".tmp", dir=bag_dir.parent))
    try:
        w = _Writer(tmp)
        for rec in records:
            rel = str(rec.get("path", ""))
            try:
                cleaned = safe_join(out_dir, rel).read_bytes()
                original = restore_document(rec, cleaned)
            except (OSError, ValueError, KeyError, TypeError, AttributeError, InputError) as exc:
                raise BagError(f"{rel}: cannot put the original in the bag: {exc}") from None
            w.add(f"data/original/{rel}", original)
            w.add(f"data/cleaned/{rel}", cleaned)
        w.add(f"data/cleaned/{LOG_NAME}", (out_dir / LOG_NAME).read_bytes())
        if (out_dir / RUN_NAME).is_file():
            w.add(f"data/cleaned/{RUN_NAME}", (out_dir / RUN_NAME).read_bytes())
        for file, name in extra:
            w.add(f"data/report/{name}", Path(file).read_bytes())

        when = str(run.get("date_time") or run_datetime())
        info = [
            ("Bag-Software-Agent", f"cleaner {__version__}"),
            ("Bagging-Date", when[:10]),
            ("External-Description", "Originals and cleaned texts of one cleaner run, with the edit log "
                                     "(PREMIS-style events) that turns each original into its cleaned text "
                                     "and back."),
            ("Payload-Oxum", f"{w.octets}.{len(w.digests)}"),
            ("Bag-Size", _human_size(w.octets)),
            ("Cleaner-Run-Date-Time", when),
            ("Cleaner-Documents", str(len(records))),
        ]
        if run.get("command_line"):
            info.append(("Cleaner-Command-Line", run["command_line"]))
        config_sha = run.get("config_sha256") or next((r.get("config_sha256") for r in records), None)
        if config_sha:
            info.append(("Cleaner-Config-SHA256", str(config_sha)))
        tags = {
            "bagit.txt": f"BagIt-Version: {BAGIT_VERSION}\nTag-File-Character-Encoding: UTF-8\n".encode(),
            "bag-info.txt": "".join(f"{k}: {_tag_value(v)}\n" for k, v in info).encode("utf-8"),
        }
        if w.renamed:
            info.append(("Cleaner-Renamed-Files", f"{len(w.renamed)} (see {RENAMED_NAME})"))
            tags["bag-info.txt"] = "".join(f"{k}: {_tag_value(v)}\n" for k, v in info).encode("utf-8")
            tags[RENAMED_NAME] = "".join(
                f"{new}\t{json.dumps(old, ensure_ascii=False)}\n" for new, old in sorted(w.renamed.items())
            ).encode("utf-8")
        for a in ALGORITHMS:
            tags[f"manifest-{a}.txt"] = _manifest(w.digests, a)
        tag_digests = {}
        for name, data in tags.items():
            (tmp / name).write_bytes(data)
            tag_digests[name] = {a: hashlib.new(a, data).hexdigest() for a in ALGORITHMS}
        for a in ALGORITHMS:
            (tmp / f"tagmanifest-{a}.txt").write_bytes(_manifest(tag_digests, a))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp made it private
        if bag_dir.exists():
            bag_dir.rmdir()  # empty, checked above
        os.replace(tmp, bag_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BagResult(bag_dir, len(w.digests), w.octets, len(records), sorted(w.digests))
