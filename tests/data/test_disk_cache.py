"""The on-disk cache: exact round trip, staleness, corruption, unwritable folders, concurrency."""

from __future__ import annotations

import os
import threading
import warnings

import numpy as np
import pandas as pd
import pytest

import tickcast as tc
from tickcast.data import cache
from tickcast.errors import CacheWarning


def _frame(start="2024-01-01", n=5, seed=0, columns=("close", "volume")):
    rng = np.random.default_rng(seed)
    idx = pd.date_range(start, periods=n, freq="B", name="date")
    return pd.DataFrame(rng.normal(size=(n, len(columns))) * 100, index=idx, columns=list(columns))


def test_round_trip_is_exact_and_keeps_metadata():
    frame = _frame()
    frame.iloc[1, 0] = np.nan
    frame.iloc[2, 1] = 0.1 + 0.2
    assert cache.write("yahoo:X", frame, meta={"units": "EUR"})
    entry = cache.read("yahoo:X")
    pd.testing.assert_frame_equal(entry.frame, frame, check_freq=False, check_exact=True)
    assert entry.meta == {"units": "EUR"}
    assert entry.fresh
    assert entry.path.parent.parent == cache.cache_dir()
    assert cache.cache_dir() == cache.cache_dir().__class__(os.environ["TICKCAST_CACHE_DIR"])


def test_staleness_follows_the_fetch_time():
    cache.write("fred:A", _frame(), fetched=pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=3))
    entry = cache.read("fred:A")
    assert not entry.fresh and entry.age > pd.Timedelta(days=2)


def test_keys_map_to_distinct_safe_file_names():
    paths = {cache.path_for(k) for k in ("ecb:FM/D.U2", "ecb:FM_D.U2", "yahoo:^GSPC", "..")}
    assert len(paths) == 4
    assert all(p.parent == cache.path_for("x").parent and "/" not in p.name for p in paths)


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],  # truncated
        lambda b: b.replace(b"\n2024-01-02", b"\n2024-01-09"),  # edited body
        lambda b: b"garbage\n" + b,  # no header
        lambda b: b"# tickcast-cache {not json\n" + b.split(b"\n", 1)[1],  # bad header
        lambda b: b"",  # empty
    ],
)
def test_corrupt_files_warn_and_are_removed(damage):
    cache.write("fred:B", _frame())
    path = cache.path_for("fred:B")
    path.write_bytes(damage(path.read_bytes()))
    with pytest.warns(CacheWarning, match="corrupt.*fetched again"):
        assert cache.read("fred:B") is None
    assert not path.exists()


def test_unwritable_cache_folder_warns_and_loading_carries_on(monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TICKCAST_CACHE_DIR", str(blocker / "cache"))
    with pytest.warns(CacheWarning, match="continuing without caching.*TICKCAST_CACHE_DIR"):
        assert cache.write("fred:C", _frame()) is False
    assert cache.read("fred:C") is None


def test_failed_replace_leaves_no_temporary_file(monkeypatch):
    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    cache.write("fred:D", _frame(n=3))
    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", refuse)
        with pytest.warns(CacheWarning, match="Permission denied"):
            assert not cache.write("fred:D", _frame(n=4, seed=1))
    folder = cache.path_for("fred:D").parent
    assert not list(folder.glob("*.tmp"))
    assert len(cache.read("fred:D").frame) == 3  # the old copy survives intact


def test_merge_keeps_old_rows_and_new_values_win():
    cache.write("fred:E", _frame("2024-01-01", n=4))
    newer = _frame("2024-01-03", n=4, seed=5)
    cache.write("fred:E", newer)
    frame = cache.read("fred:E").frame
    assert len(frame) == 6
    pd.testing.assert_frame_equal(frame.loc[newer.index], newer, check_freq=False)


def test_concurrent_writers_to_one_key_lose_nothing():
    n_writers, rows = 8, 30
    parts = [_frame(f"20{10 + i}-01-01", n=rows, seed=i) for i in range(n_writers)]
    barrier = threading.Barrier(n_writers)
    errors: list[BaseException] = []

    def writer(part):
        try:
            barrier.wait()
            for k in range(3):  # overlapping rewrites of the same rows
                assert cache.write("yahoo:RACE", part.iloc[: rows // 3 * (k + 1)])
        except BaseException as exc:
            errors.append(exc)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no CacheWarning: nothing was ever read half-written
        threads = [threading.Thread(target=writer, args=(p,)) for p in parts]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        frame = cache.read("yahoo:RACE").frame
    expected = pd.concat(parts).sort_index()
    pd.testing.assert_frame_equal(frame, expected, check_freq=False, check_exact=True)
    assert not list(cache.path_for("yahoo:RACE").parent.glob("*.tmp"))


def test_clear_cache_removes_every_series():
    cache.write("fred:F", _frame())
    cache.write("fred:G", _frame())
    assert tc.clear_cache() == 2
    assert cache.read("fred:F") is None
    assert tc.clear_cache() == 0
