"""`tickcast --version` and `--help` import nothing heavy (checked with python -X importtime)."""

import os
import re
import subprocess
import sys

import pytest

import tickcast
from tickcast.commands import _neural
from tickcast.models import factory

_HEAVY = (
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "sklearn",
    "matplotlib",
    "yfinance",
    "exchange_calendars",
    "arch",
    "joblib",
)


def _imports(*argv: str) -> tuple[subprocess.CompletedProcess, dict[str, int]]:
    """Run ``python -X importtime -m tickcast.cli ARGV``; {top-level module: cumulative us}."""
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(tickcast.__file__)))
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "tickcast.cli", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    times: dict[str, int] = {}
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)$", line)
        if m:
            top = m.group(3).split(".")[0]
            times[top] = max(times.get(top, 0), int(m.group(1)))
    return proc, times


@pytest.mark.parametrize(
    "argv",
    [("--version",), ("--help",), ("forecast", "--help"), ("backtest", "--help")],
    ids=["version", "help", "forecast-help", "backtest-help"],
)
def test_version_and_help_import_nothing_heavy(argv):
    proc, times = _imports(*argv)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "tickcast" in times  # the parse of -X importtime worked
    heavy = sorted(set(times) & set(_HEAVY))
    assert not heavy, f"`tickcast {' '.join(argv)}` imports {heavy}"
    # tickcast's own modules (cumulative, on a loaded 2-core machine): well under 0.5 s
    assert times["tickcast"] < 500_000, times["tickcast"]


def test_version_prints_the_package_version():
    proc, _ = _imports("--version")
    assert proc.stdout.strip() == f"tickcast {tickcast.__version__}"


def test_help_model_and_target_names_match_the_library():
    from tickcast.features.transforms import TARGETS

    assert _neural.MODEL_NAMES == factory.MODEL_NAMES
    assert set(_neural.TARGET_NAMES) == set(TARGETS)
