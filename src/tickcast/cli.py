"""The ``tickcast`` command line.

::

    tickcast data list
    tickcast data show NAME [--start --end --field]
    tickcast data download SPEC [--start --end --field --source --out FILE]
    tickcast demo

Each command lives in one module of :mod:`tickcast.commands` whose ``add_parser(subparsers)``
registers its handler with ``set_defaults(handler=...)``; a new command is one more such
module, added by a function listed in :data:`_COMMANDS`. Handlers take the parsed arguments
and return an exit status.

Exit status: 0 success, 1 a :class:`~tickcast.errors.TickcastError` (one line
``tickcast: error: ...`` on stderr, no traceback unless ``--debug``), 2 a usage error, 3 a
network spec that fell back to cached or bundled data without ``--allow-stale`` (see
:mod:`tickcast.commands._stale`), 130
an interrupt: Ctrl-C or SIGTERM, which both stop a parallel backtest's worker processes
before the command exits.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from tickcast.errors import TickcastError

__all__ = ["build_parser", "main"]

_PROG = "tickcast"


# --------------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------------
def _add_data_parser(subparsers: Any) -> None:
    from tickcast.commands import data

    data.add_parser(subparsers)


def _add_forecast_parser(subparsers: Any) -> None:
    from tickcast.commands import forecast

    forecast.add_parser(subparsers)


def _add_demo_parser(subparsers: Any) -> None:
    from tickcast.commands import demo

    demo.add_parser(subparsers)


def _add_backtest_parser(subparsers: Any) -> None:
    from tickcast.commands import backtest

    backtest.add_parser(subparsers)


def _add_tune_parser(subparsers: Any) -> None:
    from tickcast.commands import tune

    tune.add_parser(subparsers)


_COMMANDS: tuple[Callable[[Any], None], ...] = (
    _add_data_parser,
    _add_forecast_parser,
    _add_backtest_parser,
    _add_tune_parser,
    _add_demo_parser,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``tickcast`` with every command registered."""
    from tickcast import __version__

    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Forecast stock prices and interest rates, and judge the forecasts.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    subparsers.required = True
    for add in _COMMANDS:
        add(subparsers)
    return parser


def _show_warning(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    print(f"{_PROG}: warning: {message}", file=sys.stderr)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised as an interrupt so that it unwinds like Ctrl-C."""


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While a command runs, SIGTERM raises KeyboardInterrupt in the main thread.

    The default action of SIGTERM kills the process at once, leaving a parallel backtest's
    loky workers and resource tracker alive (they hold the command's stdout and stderr, so
    a caller waiting for those to close hangs). Raised as an interrupt, it unwinds like
    Ctrl-C: joblib terminates its workers and :func:`_stop_workers` shuts the pool down.
    Outside the main thread (``main`` called from a worker thread) nothing is installed.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stop_workers() -> None:
    """Shut down joblib's reusable loky pool, if one was started, killing its workers."""
    reusable = sys.modules.get("joblib.externals.loky.reusable_executor")
    executor = getattr(reusable, "_executor", None)
    if executor is not None:
        with contextlib.suppress(Exception):
            executor.shutdown(wait=True, kill_workers=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``tickcast`` with ``argv`` (default ``sys.argv[1:]``); return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name.

    Returns
    -------
    int
        0 on success, 1 on a tickcast error, 2 on a usage error (also 0 for ``--help``), 3
        on stale data (a network spec fell back, no ``--allow-stale``), 130 on an interrupt.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors (argparse printed them)
        return exc.code if isinstance(exc.code, int) else 2
    with warnings.catch_warnings(), _sigterm_as_interrupt():
        if not args.debug:
            warnings.showwarning = _show_warning
        try:
            return int(args.handler(args, sys.stdout))
        except TickcastError as exc:
            if args.debug:
                raise
            message = " ".join(str(exc).split())
            print(f"{_PROG}: error: {message}", file=sys.stderr)
            return int(getattr(exc, "exit_status", 1))
        except KeyboardInterrupt:
            _stop_workers()
            print(f"{_PROG}: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:  # `tickcast data download X | head`
            return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
