"""The command-line face of cleaner (click).

Exit codes: 0 ok or nothing to report, 1 findings (``check``), 2 usage,
configuration, input or internal error.  A user's mistake never shows a
traceback; set ``CLEANER_DEBUG=1`` to see one for an internal error.
"""

from __future__ import annotations

import os
import sys

# cleaner never calls BLAS, yet numpy's OpenBLAS starts a thread for each further core at
# import, each spinning on a core for a while before it sleeps (about 0.1 s of CPU a
# process, a quarter of a small `cleaner check`).  One thread, unless the user chose
# otherwise; only for the command line, before anything imports numpy: a program that
# imports cleaner keeps its own.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click  # noqa: E402

from cleaner import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class CleanerGroup(click.Group):
    """A click group that maps every error to exit code 2 with a one-line message."""

    def main(self, *args, **kwargs):  # type: ignore[override]
        kwargs.setdefault("standalone_mode", True)
        try:
            return super().main(*args, **{**kwargs, "standalone_mode": False})
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(EXIT_ERROR)
        except click.exceptions.Abort as exc:
            if isinstance(exc.__context__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
                _interrupted()
            click.echo("Aborted.", err=True)
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            _interrupted()
        except BrokenPipeError:
            sys.exit(EXIT_ERROR)
        except Exception as exc:  # an internal error: say so, briefly
            if os.environ.get("CLEANER_DEBUG"):
                raise
            click.echo(f"cleaner: internal error: {type(exc).__name__}: {exc}", err=True)
            sys.exit(EXIT_ERROR)


def _interrupted() -> None:
    """Ctrl-C: say what state the outputs are in and exit 130 (128 + SIGINT), as shells do."""
    click.echo("Interrupted: files already written are complete; no partial files were left.", err=True)
    sys.exit(130)


@click.group(cls=CleanerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cleaner")
def cli() -> None:
    """Repair and de-duplicate scraped news text; every change logged and reversible."""


def main() -> None:
    """The ``cleaner`` command (and ``python -m cleaner``).

    When the command is done, the process ends without tearing the
    interpreter down (as mypy does): freeing every object of a corpus run
    one by one -- the dedup index's caches, the word tables -- takes a
    noticeable part of a second and changes nothing.  Output files are
    complete and closed by then (each is written atomically); standard
    output and error are flushed and the ``atexit`` handlers run first.
    Tests call :data:`cli` itself, which exits as usual.
    """
    try:
        cli(prog_name="cleaner")
        code = 0
    except SystemExit as exc:
        code = _exit_status(exc.code)
    _end_process(code)


def _exit_status(code: object) -> int:
    """The status ``sys.exit(code)`` gives: None is 0, an integer itself, anything else printed and 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _end_process(code: int) -> None:
    """Flush, run the exit handlers, and end the process with *code* without freeing its objects."""
    import atexit

    if os.environ.get("CLEANER_FULL_EXIT"):  # an ordinary interpreter exit (e.g. for a leak checker)
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be said on it
            pass
    os._exit(code)


# Register the commands (each in its own module).
from cleaner.cli import clean as _clean  # noqa: E402,F401
from cleaner.cli import check as _check  # noqa: E402,F401
from cleaner.cli import restore as _restore  # noqa: E402,F401
from cleaner.cli import rules as _rules  # noqa: E402,F401
from cleaner.cli import report as _report  # noqa: E402,F401
from cleaner.cli import dedup as _dedup  # noqa: E402,F401
