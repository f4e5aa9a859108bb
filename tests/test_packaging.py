"""What ships: licence metadata that covers the bundled data, and file modes under the umask."""

import os
import re
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tickcast as tc
from tickcast.data import cache
from tickcast.data.bundled import DATASETS

ROOT = Path(__file__).resolve().parents[1]
tomllib = pytest.importorskip("tomllib")  # Python >= 3.11


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


# the licence of each bundled compilation, as data/LICENSES.md states it, in SPDX
_SPDX = {"GPL-3": "GPL-3.0-only", "NCSA": "NCSA", "MIT": "MIT", "public domain": None}


def _spdx_of(licence: str) -> set[str]:
    found = {spdx for key, spdx in _SPDX.items() if key in licence and spdx}
    assert found or "public domain" in licence, f"unmapped licence {licence!r}"
    return found


def test_licence_expression_names_every_licence_that_ships():
    project = _pyproject()["project"]
    terms = set(re.split(r"\s+AND\s+", project["license"]))
    shipped = {"MIT"}  # the code
    for ds in DATASETS.values():
        shipped |= _spdx_of(ds.licence)
    assert terms == shipped == {"MIT", "NCSA", "GPL-3.0-only"}


def test_licence_files_exist_and_carry_each_licence_text():
    project = _pyproject()["project"]
    files = [p for pattern in project["license-files"] for p in sorted(ROOT.glob(pattern))]
    assert all(p.is_file() for p in files)
    names = {p.relative_to(ROOT).as_posix() for p in files}
    assert {"LICENSE", "data/LICENSES.md", "data/licences/GPL-3.0.txt"} <= names
    texts = {p.name: p.read_text(encoding="utf-8") for p in files}
    assert "GNU GENERAL PUBLIC LICENSE" in texts["GPL-3.0.txt"]
    assert "Version 3, 29 June 2007" in texts["GPL-3.0.txt"]
    assert "Kevin Sheppard" in texts["NCSA-arch.txt"]
    assert "Taylor G Smith" in texts["MIT-pmdarima.txt"]
    assert texts["LICENSE"].startswith("MIT License")


def test_every_bundled_file_has_a_licence_row_and_ships_in_the_wheel():
    config = _pyproject()
    table = (ROOT / "data" / "LICENSES.md").read_text(encoding="utf-8")
    for csv in sorted((ROOT / "data").glob("*.csv")):
        row = next((line for line in table.splitlines() if csv.name in line), None)
        assert row is not None, f"{csv.name} has no row in data/LICENSES.md"
        ds = next(d for d in DATASETS.values() if d.file == csv.name)
        for spdx in _spdx_of(ds.licence):
            assert spdx in row, f"{csv.name}: {spdx} is not in its licence row"
    wheel = config["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["force-include"] == {"data": "tickcast/_data"}  # LICENSES.md ships beside
    assert "LICENSE" in config["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
    backend = config["build-system"]["requires"][0]
    assert backend.replace(" ", "") == "hatchling>=1.27"  # PEP 639 licence expressions


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_saved_models_and_cache_files_follow_the_umask(tmp_path, umask, mode):
    y = pd.Series(np.linspace(10, 12, 40), index=pd.bdate_range("2024-01-01", periods=40), name="p")
    old = os.umask(umask)
    try:
        saved = tc.Naive().fit(y).save(tmp_path / "model")
        assert cache.write("csv:test", y.to_frame("close"))
        cached = cache.path_for("csv:test")
        plain = tmp_path / "plain.txt"
        plain.write_text("x")  # what open() gives: the reference
    finally:
        os.umask(old)
    assert _mode(plain) == mode
    assert _mode(saved) == mode
    assert _mode(cached) == mode
    assert tc.load_model(saved).predict(1).mean.index[0] == pd.Timestamp("2024-02-26")
