"""Execute every comparison notebook in quick mode, offline, and fail on any error.

Each notebook runs in a fresh ``python3`` kernel (a subprocess) through
``execute_notebook`` of ``tools/run_notebooks.py``. The kernel inherits this test's environment,
which ``tests/conftest.py`` has set to ``TICKCAST_OFFLINE=1`` with a temporary
``TICKCAST_CACHE_DIR``; the runner adds ``TICKCAST_NOTEBOOK_MODE=quick`` and
``MPLBACKEND=Agg``, and a hidden first cell refuses non-loopback connections in the kernel.
Nothing is saved: the committed outputs come from ``make notebooks`` (full mode).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
# the notebook runner is a developer script in tools/, not part of the installed package
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
NOTEBOOKS = [
    "01_quickstart",
    "02_stocks_rnn_vs_baselines",
    "03_interest_rates",
    "04_optimizers",
    "05_activations_and_features",
    "06_will_it_hit",
    "07_model_selection",
]

pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")


def test_every_notebook_is_listed():
    on_disk = sorted(p.stem for p in NOTEBOOK_DIR.glob("*.ipynb"))
    assert on_disk == NOTEBOOKS


@pytest.mark.notebooks
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_offline_in_quick_mode(name, monkeypatch):
    from run_notebooks import NotebookError, execute_notebook

    assert os.environ.get("TICKCAST_OFFLINE") == "1"  # set by tests/conftest.py
    monkeypatch.setenv("TICKCAST_NOTEBOOK_MODE", "quick")
    path = NOTEBOOK_DIR / f"{name}.ipynb"
    mtime = path.stat().st_mtime_ns
    try:
        execute_notebook(path, mode="quick", save=False, timeout=600, offline_guard=True)
    except NotebookError as exc:
        pytest.fail(str(exc), pytrace=False)
    assert path.stat().st_mtime_ns == mtime  # quick mode never rewrites the committed outputs


@pytest.mark.notebooks
def test_runner_names_the_failing_notebook_and_cell(tmp_path, capsys):
    import nbformat
    from run_notebooks import main

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# t"),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("raise ValueError('boom')"),
    ]
    nbformat.write(nb, tmp_path / "bad.ipynb")
    assert main([str(tmp_path), "--mode", "quick"]) == 1
    err = capsys.readouterr().err
    assert "bad.ipynb" in err and "cell 2" in err and "boom" in err
