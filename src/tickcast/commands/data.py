"""``tickcast data list | show NAME | download SPEC``: the bundled datasets and any series.

::

    tickcast data list
    tickcast data show NAME [--start --end --field]
    tickcast data download SPEC [--start --end --field --source --out FILE --allow-stale]

``data download`` of a network spec that falls back to cached or bundled data stops with exit
status 3 unless ``--allow-stale`` (see :mod:`tickcast.commands._stale`).
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from tickcast.commands._stale import add_allow_stale_option

__all__ = ["add_parser"]


def add_parser(subparsers: Any) -> None:
    """Register ``tickcast data`` and its subcommands on ``subparsers``."""
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
    add_allow_stale_option(p_dl)
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
    from tickcast.commands._stale import load_from_args

    data = load_from_args(args)
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
