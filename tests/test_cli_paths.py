"""Output paths checked before any work (exit 2, one line) and report folders swapped atomically."""

from __future__ import annotations

import argparse
import os

import pandas as pd
import pytest

import tickcast as tc
from tickcast.backtest.plots import PLOT_KINDS
from tickcast.cli import main
from tickcast.commands import _paths, backtest, demo
from tickcast.commands._paths import (
    OutputPathError,
    atomic_folder,
    check_output_dir,
    check_output_file,
    output_file,
)


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if data are loaded or a backtest runs."""
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise AssertionError("work started before the output path was checked")

    monkeypatch.setattr(tc, "load", refuse)
    monkeypatch.setattr(backtest, "run_backtest", refuse)
    monkeypatch.setattr(demo, "run", refuse)
    return calls


def _bad_paths(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    other = tmp_path / "notes"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    return {
        "missing parent": str(tmp_path / "nope" / "rep"),
        "parent is a file": str(a_file / "rep"),
        "file where a folder is expected": str(a_file),
        "folder that is not a report": str(other),
    }


@pytest.mark.parametrize("case", range(4))
@pytest.mark.parametrize(
    "argv",
    [["backtest", "dbk", "--models", "naive", "--out"], ["demo", "--jobs", "1", "--out"]],
    ids=["backtest", "demo"],
)
def test_bad_out_is_one_line_exit_2_before_any_work(argv, case, tmp_path, capsys, no_work):
    label, path = list(_bad_paths(tmp_path).items())[case]
    assert main([*argv, path]) == 2, label
    err = capsys.readouterr().err
    assert err.startswith("tickcast: error: `--out`") and err.count("\n") == 1, err
    assert "Traceback" not in err and repr(path) in err
    assert not no_work
    assert (tmp_path / "notes" / "notes.txt").read_text() == "keep me"


def test_check_output_dir_accepts_new_empty_and_report_folders(tmp_path):
    assert check_output_dir(tmp_path / "new") == tmp_path / "new"
    (tmp_path / "empty").mkdir()
    check_output_dir(tmp_path / "empty")
    old = tmp_path / "old"
    old.mkdir()
    for name in ("report.html", "metrics.csv", "summary.md", "errors-dbk.png"):
        (old / name).write_text("")
    check_output_dir(old)
    (old / "sub").mkdir()  # a report holds no folders
    with pytest.raises(OutputPathError, match="not a tickcast report"):
        check_output_dir(old)


def test_check_output_dir_refuses_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "report.html").write_text("")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputPathError, match="current folder"):
        check_output_dir(".")


def test_check_output_file(tmp_path):
    assert check_output_file(tmp_path / "fan.png") == tmp_path / "fan.png"
    (tmp_path / "fan.png").write_text("old")
    check_output_file(tmp_path / "fan.png")  # an existing file is overwritten
    with pytest.raises(OutputPathError, match="is a folder, not a file"):
        check_output_file(tmp_path)
    with pytest.raises(OutputPathError, match="does not exist"):
        check_output_file(tmp_path / "nope" / "fan.png")
    with pytest.raises(OutputPathError, match="must be a file path"):
        check_output_file("")
    with pytest.raises(OutputPathError, match="must be a folder path"):
        check_output_dir("")
    assert issubclass(OutputPathError, ValueError)


def test_read_only_parent(tmp_path, monkeypatch):
    # faked: as root (CI containers) os.access says every folder is writable
    monkeypatch.setattr(_paths.os, "access", lambda path, mode: False)
    with pytest.raises(OutputPathError, match="not writable"):
        check_output_file(tmp_path / "fan.png")
    with pytest.raises(OutputPathError, match="not writable"):
        check_output_dir(tmp_path / "rep")


def test_output_file_as_argparse_type_for_plot(tmp_path, capsys):
    """The checker `forecast --plot` uses: a usage error at parse time, one line, status 2."""
    parser = argparse.ArgumentParser(prog="tickcast forecast")
    parser.add_argument("--plot", type=output_file("--plot"))
    assert parser.parse_args(["--plot", str(tmp_path / "fan.png")]).plot == tmp_path / "fan.png"
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["--plot", str(tmp_path / "nope" / "fan.png")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("tickcast: error: `--plot`") and err.count("\n") == 1


# ---------------------------------------------------------------------- atomic report folders
@pytest.fixture(scope="module")
def small_result():
    y = tc.load("dgs10").iloc[-130:]
    splitter = tc.WalkForward(initial=110, step=4, horizon=2)
    return tc.backtest([tc.Naive(), tc.Drift()], y, splitter=splitter, progress=False)


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _siblings(tmp_path, name):
    return sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(f"{name}."))


def test_replacing_a_report_leaves_only_the_new_files(small_result, tmp_path):
    out = tmp_path / "rep"
    out.mkdir()
    (out / "report.html").write_text("old report")
    (out / "forecasts-gone.png").write_bytes(b"old plot")
    backtest.write_report(small_result, out)
    names = {p.name for p in out.iterdir()}
    assert names == {"report.html", "metrics.csv", "forecasts.csv", "summary.md"} | {
        f"{kind}.png" for kind in PLOT_KINDS
    }
    assert "old report" not in (out / "report.html").read_text()
    written = pd.read_csv(out / "forecasts.csv")
    assert len(written) == len(small_result.forecasts)
    assert _siblings(tmp_path, "rep") == []


@pytest.mark.parametrize("exc", [KeyboardInterrupt, OSError])
def test_interrupt_mid_write_keeps_the_old_report(small_result, tmp_path, monkeypatch, exc):
    out = tmp_path / "rep"
    out.mkdir()
    for name in ("report.html", "metrics.csv", "forecasts.csv", "summary.md", "errors.png"):
        (out / name).write_text(f"old {name}")
    before = _snapshot(out)

    def interrupted(self, *args, **kwargs):  # summary.md comes after report.html and the CSVs
        raise exc("interrupted")

    monkeypatch.setattr(type(small_result), "to_markdown", interrupted)
    with pytest.raises(exc):
        backtest.write_report(small_result, out)
    assert _snapshot(out) == before
    assert _siblings(tmp_path, "rep") == []  # the half-written folder is gone


def test_failed_swap_puts_the_old_folder_back(tmp_path, monkeypatch):
    out = tmp_path / "rep"
    out.mkdir()
    (out / "report.html").write_text("old")
    real = os.rename
    calls = []

    def flaky(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:  # old aside worked; new in fails
            raise OSError("disk gone")
        return real(src, dst)

    monkeypatch.setattr(_paths.os, "rename", flaky)
    with pytest.raises(OSError, match="disk gone"):
        with atomic_folder(out) as tmp:
            (tmp / "report.html").write_text("new")
    assert _snapshot(out) == {"report.html": b"old"}
    assert _siblings(tmp_path, "rep") == []


def test_new_folder_follows_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        with atomic_folder(tmp_path / "rep") as tmp:
            (tmp / "report.html").write_text("x")
    finally:
        os.umask(old)
    assert (tmp_path / "rep").stat().st_mode & 0o777 == 0o750


def test_cli_backtest_replaces_its_own_report(tmp_path, capsys):
    out = tmp_path / "rep"
    argv = ["backtest", "dgs10", "--models", "naive", "--start", "2020-01-01", "--initial", "200"]
    argv += ["--step", "20", "--horizon", "2", "--out", str(out)]
    assert main(argv) == 0
    (out / "stale.png").write_bytes(b"from an older report")
    first = pd.read_csv(out / "forecasts.csv").drop(columns="seconds")
    assert main(argv) == 0  # the folder now holds a report: replaced, not refused
    pd.testing.assert_frame_equal(pd.read_csv(out / "forecasts.csv").drop(columns="seconds"), first)
    assert not (out / "stale.png").exists()
    assert _siblings(tmp_path, "rep") == []
    capsys.readouterr()


def test_library_and_cli_share_one_parent_rule_differing_in_create_missing(tmp_path, monkeypatch):
    from tickcast._files import check_parent_folder, check_writable_path
    from tickcast.errors import ConfigError

    deep = tmp_path / "a" / "b" / "fan.png"
    # the library creates missing folders: the first existing one is checked
    assert check_parent_folder(deep, label="`p`", what="x", create_missing=True) == tmp_path
    assert check_writable_path(deep) == deep
    # the command line requires the parent itself
    with pytest.raises(ConfigError, match="does not exist"):
        check_parent_folder(deep, label="`p`", what="x", create_missing=False)
    with pytest.raises(OutputPathError, match="does not exist"):
        check_output_file(deep)
    assert not (tmp_path / "a").exists()  # checking creates nothing
    # the other rules are the same on both sides, with the same words
    blocker = tmp_path / "file.txt"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="is a file, not a folder, so the file cannot"):
        check_writable_path(blocker / "fan.png")
    with pytest.raises(OutputPathError, match="is a file, not a folder, so the file cannot"):
        check_output_file(blocker / "fan.png")
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    for call in (lambda: check_writable_path(deep), lambda: check_output_file(tmp_path / "f")):
        with pytest.raises(ConfigError, match=r"is not writable \(read-only file system"):
            call()
