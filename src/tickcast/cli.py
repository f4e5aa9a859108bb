"""The ``tickcast`` command line.

::

    tickcast data list
    tickcast data show NAME [--start --end --field]
    tickcast data download SPEC [--start --end --field --source --out FILE]
    tickcast demo

Each command is added by one ``_add_<command>_parser(subparsers)`` function that registers
its handler with ``set_defaults(handler=...)``; a new command (``forecast``, ``backtest``)
is one more such function listed in :data:`_COMMANDS`. Handlers take the parsed arguments
and return an exit status.

Exit status: 0 success, 1 a :class:`~tickcast.errors.TickcastError` (one line
``tickcast: error: ...`` on stderr, no traceback unless ``--debug``), 2 a usage error, 130
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
from typing import Any, TextIO

from tickcast.errors import TickcastError

__all__ = ["build_parser", "main"]

_PROG = "tickcast"


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------
def _add_data_parser(subparsers: Any) -> None:
    data = subparsers.add_parser(
        "data",
        help="list, inspect and download series",
        description="List the bundled datasets, inspect a series, download one to CSV.",
    )
    sub = data.add_subparsers(dest="data_command", metavar="{list,show,download}")
    sub.required = True

    p_list = sub.add_parser("list", help="the bundled datasets with span, rows and source")
    p_list.set_defaults(handler=_cmd_data_list)

    p_show = sub.add_parser(
        "show",
        help="span, rows, last values and a summary of one series",
        description="Show a series: a bundled name (dgs10), a ticker (DBK.DE), fred:ID, "
        "ecb:FLOW/KEY or a CSV path.",
    )
    p_show.add_argument("name", metavar="NAME", help="dataset name, ticker or spec")
    _add_range_options(p_show)
    p_show.add_argument("--field", default="close", help="column to show (default: close)")
    p_show.add_argument("--tail", type=int, default=5, help="last values shown (default: 5)")
    p_show.set_defaults(handler=_cmd_data_show)

    p_dl = sub.add_parser(
        "download",
        help="fetch a series (through the cache) and write it as CSV",
        description="Fetch a series and write all its fields (or --field) as CSV.",
    )
    p_dl.add_argument("spec", metavar="SPEC", help="ticker, fred:ID, ecb:FLOW/KEY or name")
    _add_range_options(p_dl)
    p_dl.add_argument("--field", default=None, help="one column only (default: all fields)")
    p_dl.add_argument(
        "--source",
        default="auto",
        choices=("auto", "bundled", "cache", "network"),
        help="where to get it (default: auto = cache, network, then bundled fallback)",
    )
    p_dl.add_argument("--out", metavar="FILE", help="CSV file to write (default: stdout)")
    p_dl.set_defaults(handler=_cmd_data_download)


def _add_range_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--start", help="first date, e.g. 2020-01-01 (inclusive)")
    parser.add_argument("--end", help="last date, e.g. 2020-12-31 (inclusive)")


def _cmd_data_list(args: argparse.Namespace, out: TextIO) -> int:
    from tickcast.data import list_datasets

    table = list_datasets()
    table["start"] = table["start"].dt.strftime("%Y-%m-%d")
    table["end"] = table["end"].dt.strftime("%Y-%m-%d")
    columns = ["name", "aliases", "kind", "units", "start", "end", "rows", "licence"]
    print(table[columns].to_string(index=False), file=out)
    return 0


def _show(
    spec: str,
    out: TextIO,
    *,
    start: Any = None,
    end: Any = None,
    field: str = "close",
    tail: int = 5,
) -> None:
    from tickcast.data import DATASETS, load

    y = load(spec, start, end, field=field)
    attrs = y.attrs
    title = spec
    if spec in DATASETS:
        title = f"{spec}: {DATASETS[spec].description}"
    print(title, file=out)
    print(f"  source : {attrs['source']} (via {attrs['via']})", file=out)
    print(f"  kind   : {attrs['kind']}, units: {attrs['units']}, field: {field}", file=out)
    print(f"  span   : {y.index[0]:%Y-%m-%d} – {y.index[-1]:%Y-%m-%d}, {len(y):,} rows", file=out)
    change = y.diff() if attrs["kind"] == "rate" else y.pct_change() * 100
    label = "daily change" if attrs["kind"] == "rate" else "daily change, %"
    summary = {
        "min": y.min(),
        "max": y.max(),
        "mean": y.mean(),
        "last": y.iloc[-1],
        f"{label} (sd)": change.std(),
    }
    print("  summary: " + ", ".join(f"{k} {v:,.4g}" for k, v in summary.items()), file=out)
    if tail > 0:
        print(f"  last {min(tail, len(y))} values:", file=out)
        for date, value in y.tail(tail).items():
            print(f"    {date:%Y-%m-%d}  {value:,.6g}", file=out)


def _cmd_data_show(args: argparse.Namespace, out: TextIO) -> int:
    _show(args.name, out, start=args.start, end=args.end, field=args.field, tail=args.tail)
    return 0


def _cmd_data_download(args: argparse.Namespace, out: TextIO) -> int:
    from tickcast.data import load

    data = load(args.spec, args.start, args.end, field=args.field, source=args.source)
    if args.out is None:
        data.to_csv(out, lineterminator="\n")
        return 0
    try:
        data.to_csv(args.out, lineterminator="\n")
    except OSError as exc:
        from tickcast.errors import DataError

        raise DataError(f"cannot write `--out` {args.out!r}: {exc.strerror or exc}.") from exc
    print(f"wrote {len(data):,} rows of {args.spec} to {args.out}", file=out)
    return 0


# --------------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------------
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
        0 on success, 1 on a tickcast error, 2 on a usage error (also 0 for ``--help``).
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
            return 1
        except KeyboardInterrupt:
            _stop_workers()
            print(f"{_PROG}: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:  # `tickcast data download X | head`
            return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
