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


def _package(root: Path, code: str) -> Path:
    pkg = root / "pkg"
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "mod.py").write_text(code)
    (pkg / "data.csv").write_text("date,close\n2020-01-02,1.0\n")
    return pkg


def test_source_fingerprint_follows_the_code_not_its_docstrings(tmp_path):
    from run_notebooks import source_fingerprint

    base = '"""Module."""\n\ndef f(x):\n    """Double x."""\n    return 2 * x  # twice\n'
    ref = source_fingerprint(_package(tmp_path / "a", base))
    reworded = '"""Another module text."""\n\n\ndef f(x):\n    """Twice x."""\n\n    return 2*x\n'
    assert source_fingerprint(_package(tmp_path / "b", reworded)) == ref
    changed = base.replace("2 * x", "3 * x")
    assert source_fingerprint(_package(tmp_path / "c", changed)) != ref
    pkg = _package(tmp_path / "d", base)
    (pkg / "data.csv").write_text("date,close\n2020-01-02,1.5\n")  # a data file changed
    assert source_fingerprint(pkg) != ref
    (pkg / "data.csv").write_text("date,close\n2020-01-02,1.0\n")
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\x00junk")
    assert source_fingerprint(pkg) == ref


@pytest.mark.notebooks
def test_saved_notebooks_record_the_source_and_check_finds_the_stale(tmp_path, monkeypatch, capsys):
    import json

    import nbformat
    import run_notebooks
    from run_notebooks import execute_notebook, main

    pkg = _package(tmp_path, "def f(x):\n    return 2 * x\n")
    monkeypatch.setattr(run_notebooks, "SOURCE_DIR", pkg)
    folder = tmp_path / "nbs"
    folder.mkdir()
    for name in ("a", "b"):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("print(1 + 1)")]
        nbformat.write(nb, folder / f"{name}.ipynb")
    execute_notebook(folder / "a.ipynb", mode="quick", save=True, timeout=120)
    meta = json.loads((folder / "a.ipynb").read_text())["metadata"]["tickcast"]
    assert meta["source_fingerprint"] == run_notebooks.source_fingerprint()
    assert main([str(folder / "a.ipynb"), "--check"]) == 0
    assert main([str(folder), "--check"]) == 1  # b never saved by the runner
    assert "unrecorded" in capsys.readouterr().out
    (pkg / "mod.py").write_text("def f(x):\n    return 3 * x\n")  # the code changes
    assert main([str(folder / "a.ipynb"), "--check"]) == 1
    out = capsys.readouterr().out
    assert "stale" in out and "a.ipynb" in out
