"""Faults: a misbehaving network, a writer killed mid-write, an interrupted parallel backtest,
failing origins, and numerical blow-ups. Each ends in a clear error, a documented fallback or a
recorded failure, never in half-written files, stray processes or NaN results."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pandas as pd
import pytest

import tickcast as tc
from tickcast.data import cache
from tickcast.data import http as tc_http
from tickcast.errors import (
    ConvergenceWarning,
    DataError,
    FallbackWarning,
    NetworkError,
    TickcastError,
    TrainingError,
)

FRED = "DATE,T10YIE\n" + "".join(f"2024-01-{d:02d},{2 + d / 100:.2f}\n" for d in range(2, 31))


# --------------------------------------------------------------------------------------------
# network
# --------------------------------------------------------------------------------------------
def test_slow_server_times_out_without_retry_and_falls_back(net, monkeypatch):
    """An answer slower than the timeout is a NetworkError after one attempt (no retries, so
    that the fallback is quick); with a bundled alias `auto` falls back with a warning."""
    monkeypatch.setattr(tc_http, "TIMEOUT", 0.1)
    net.route("/fred", ("slow", 0.6, 200, FRED))
    with pytest.raises(NetworkError, match=r"FRED series 'T10YIE'.*timed out"):
        tc.load("fred:T10YIE", source="network")
    assert len(net.requests) == 1 and net.waits == []
    with pytest.warns(FallbackWarning, match=r"could not fetch 'fred:DGS10' .*timed out.*'dgs10'"):
        y = tc.load("fred:DGS10")
    assert y.attrs["via"] == "bundled"
    assert cache.read("fred:DGS10") is None  # nothing was cached from the failed request


def test_dropped_connection_mid_body_is_retried_then_fails_clearly(net):
    net.route("/fred", ("drop", 200, FRED))
    with pytest.raises(
        NetworkError, match=r"connection broke off mid-answer .*IncompleteRead.* 3 times"
    ):
        tc.load("fred:T10YIE", source="network")
    assert len(net.requests) == 3  # 1 + RETRY.retries, no more
    assert net.waits == [1.0, 2.0]  # exponential backoff (recorded, not slept)
    assert cache.read("fred:T10YIE") is None  # a truncated body never reaches the cache


def test_dropped_connection_then_success(net):
    net.route("/fred", ("drop", 200, FRED), (200, FRED))
    y = tc.load("fred:T10YIE")
    assert len(y) == 29 and y.iloc[-1] == 2.30 and len(net.requests) == 2
    assert len(cache.read("fred:T10YIE").frame) == 29


@pytest.mark.parametrize("status", [429, 500, 503])
def test_server_errors_are_retried_a_bounded_number_of_times(net, status):
    net.route("/fred", (status, "busy"))
    with pytest.raises(NetworkError, match=rf"answered HTTP {status} .* 3 times"):
        tc.load("fred:T10YIE", source="network")
    assert len(net.requests) == 3
    assert net.waits == ([7.0, 7.0] if status == 429 else [1.0, 2.0])  # Retry-After or backoff


def test_server_errors_fall_back_to_a_stale_cache(net):
    old = pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=30)
    frame = pd.DataFrame(
        {"value": [1.0, 1.5]}, index=pd.DatetimeIndex(["2023-01-02", "2023-01-03"], name="date")
    )
    cache.write("fred:T10YIE", frame, fetched=old)
    net.route("/fred", (500, "down"))
    with pytest.warns(FallbackWarning, match=r"HTTP 500.*using the cached copy fetched"):
        y = tc.load("fred:T10YIE")
    assert list(y) == [1.0, 1.5] and y.attrs["via"] == "cache"
    assert len(net.requests) == 3


class _Drip:
    """A local http.server that promises a body and sends one row every ``every`` seconds.

    Bounded: it sends at most ``rows`` rows, then stops by itself; a client that hangs up
    ends its handler at the next write.
    """

    def __init__(self, rows: int = 40, every: float = 0.2) -> None:
        import http.server
        import threading

        body = [b"DATE,T10YIE\n"] + [
            f"2024-01-{1 + d % 28:02d},2.0\n".encode() for d in range(rows)
        ]

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", str(sum(map(len, body))))
                self.end_headers()
                try:
                    for line in body:
                        self.wfile.write(line)
                        self.wfile.flush()
                        time.sleep(every)
                except OSError:
                    pass  # the client gave up

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_a_dripping_server_is_cut_off_at_the_total_deadline(net, monkeypatch):
    """One row every 0.2 s for 8 s: each read is quick, but the request as a whole exceeds
    the 1 s deadline and ends in a NetworkError after ~1 s (not 8 s), one attempt, nothing
    cached; `auto` then falls back to the bundled snapshot."""
    drip = _Drip(rows=40, every=0.2)
    try:
        monkeypatch.setattr(tc_http, "TIMEOUT", 1.0)
        monkeypatch.setenv("TICKCAST_FRED_URL", drip.url + "/fred")
        start = time.monotonic()
        with pytest.raises(NetworkError, match=r"T10YIE.*longer than 1 s in all.*too slow"):
            tc.load("fred:T10YIE", source="network")
        assert time.monotonic() - start < 3.0
        assert cache.read("fred:T10YIE") is None and net.waits == []
        start = time.monotonic()
        with pytest.warns(FallbackWarning, match=r"longer than 1 s in all.*'dgs10'"):
            y = tc.load("fred:DGS10")
        assert time.monotonic() - start < 3.0 and y.attrs["via"] == "bundled"
    finally:
        drip.close()


def test_a_quick_answer_read_in_chunks_is_whole(net, monkeypatch):
    """The chunked read returns the whole body (here larger than one chunk)."""
    rows = "".join(
        f"{d:%Y-%m-%d},{i % 7 + 1}.25\n"
        for i, d in enumerate(pd.bdate_range("1990-01-01", periods=12_000))
    )
    net.route("/fred", (200, "DATE,T10YIE\n" + rows))
    y = tc.load("fred:T10YIE", source="network")
    assert len(y) == 12_000 and y.iloc[-1] == (11_999 % 7 + 1) + 0.25


# --------------------------------------------------------------------------------------------
# the cache: a writer killed mid-write leaves the old file or the new one, never a mix
# --------------------------------------------------------------------------------------------
_WRITER = textwrap.dedent(
    """
    import os, sys, time
    import numpy as np, pandas as pd
    from tickcast.data import cache

    point = sys.argv[1]

    def pause():
        print("ready", flush=True)
        time.sleep(600)  # the parent kills us here

    real_fdopen, real_replace = os.fdopen, os.replace

    class HalfWriter:
        def __init__(self, handle):
            self.handle = handle
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return self.handle.__exit__(*exc)
        def write(self, data):
            self.handle.write(data[: len(data) // 2])
            self.handle.flush()
            pause()
        def __getattr__(self, name):
            return getattr(self.handle, name)

    if point == "mid-write":
        cache.os.fdopen = lambda fd, mode: HalfWriter(real_fdopen(fd, mode))
    elif point == "before-replace":
        cache.os.replace = lambda src, dst: pause()
    elif point == "after-replace":
        cache.os.replace = lambda src, dst: (real_replace(src, dst), pause())

    n = 40_000
    new = pd.DataFrame(
        {"value": np.arange(n, dtype=float) + 0.5},
        index=pd.bdate_range("1900-01-01", periods=n, name="date"),
    )
    cache.write("fred:BIG", new, merge=False)
    print("finished", flush=True)
    """
)


def _old_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"value": [1.0, 2.0, 3.0]},
        index=pd.DatetimeIndex(["2024-01-02", "2024-01-03", "2024-01-04"], name="date"),
    )


@pytest.mark.parametrize(
    ("point", "survivor"),
    [("mid-write", "old"), ("before-replace", "old"), ("after-replace", "new")],
)
def test_killed_cache_writer_leaves_old_or_new_never_a_mix(point, survivor):
    cache.write("fred:BIG", _old_frame())
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, point],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        line = proc.stdout.readline().strip()
        assert line == "ready", proc.stderr.read()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a corrupt file would warn
        entry = cache.read("fred:BIG")
    assert entry is not None
    if survivor == "old":
        pd.testing.assert_frame_equal(entry.frame, _old_frame(), check_freq=False)
    else:
        assert len(entry.frame) == 40_000 and entry.frame["value"].iloc[-1] == 39_999.5
    # the dead writer's lock is gone with it: the next write goes through and merges
    assert cache.write("fred:BIG", _old_frame().iloc[:1] + 10.0)
    assert cache.read("fred:BIG").frame.loc["2024-01-02", "value"] == 11.0
    # its temporary file (if any) is never read as data and is removed by clear_cache
    tc.clear_cache()
    assert not list(cache.path_for("fred:BIG").parent.glob("*.tmp"))


# --------------------------------------------------------------------------------------------
# backtests: interrupted workers, failing origins
# --------------------------------------------------------------------------------------------
class Interrupting(tc.Naive):
    """Raises KeyboardInterrupt (a user's Ctrl-C) when fitted on more than 450 rows."""

    short_name = "interrupting"

    def _fit(self, y, z, X):
        if len(y) > 450:
            raise KeyboardInterrupt
        super()._fit(y, z, X)


class FailsSomeOrigins(tc.Naive):
    """A DataError at every origin whose training window has a length divisible by 3."""

    short_name = "flaky"

    def _fit(self, y, z, X):
        if len(y) % 3 == 0:
            raise DataError(f"toy failure on {len(y)} rows")
        super()._fit(y, z, X)


@pytest.fixture
def picklable_here():
    """Let loky workers unpickle the toy models of this module (it is not importable there)."""
    cloudpickle = pytest.importorskip("cloudpickle")  # what joblib's loky pickles with

    module = sys.modules[__name__]
    cloudpickle.register_pickle_by_value(module)
    yield
    cloudpickle.unregister_pickle_by_value(module)


def _loky_workers() -> list[int]:
    """Live loky worker processes started by this process (read from /proc, no psutil)."""
    me, out = os.getpid(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmd = fh.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        state, ppid = fields[0], int(fields[1])
        if ppid == me and state != "Z" and "loky" in cmd and "resource_tracker" not in cmd:
            out.append(int(entry))
    return out


def _wait_until_gone(limit: float = 60.0) -> list[int]:
    """Poll until no loky worker is left (or ``limit`` seconds pass); return the survivors."""
    deadline = time.monotonic() + limit
    alive = _loky_workers()
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = _loky_workers()
    return alive


@pytest.fixture(scope="module")
def dgs10():
    return tc.load("dgs10").iloc[-600:]


SPLIT = dict(initial=400, step=10, horizon=5, refit_every=1)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_skip_records_each_failing_origin(dgs10, n_jobs, picklable_here):
    splitter = tc.WalkForward(**SPLIT)
    res = tc.backtest(
        [tc.Naive(), FailsSomeOrigins()], dgs10, splitter=splitter, n_jobs=n_jobs, progress=False
    )
    origins = [f.origin for f in splitter.split(dgs10)]
    bad = {dgs10.index[o] for o in origins if (o + 1) % 3 == 0}
    fr = res.failures
    assert list(fr.columns) == ["series", "model", "origin", "error", "message", "traceback"]
    assert set(fr["origin"]) == bad and len(fr) == len(bad) and 0 < len(bad) < len(origins)
    assert set(fr["model"]) == {"flaky"} and set(fr["error"]) == {"DataError"}
    assert fr["message"].str.match(r"toy failure on \d+ rows").all()
    flaky = res.forecasts[res.forecasts["model"] == "flaky"]
    assert set(flaky["origin"]).isdisjoint(bad)
    assert len(flaky) == 5 * (len(origins) - len(bad))
    assert np.isfinite(flaky["mean"]).all()
    if n_jobs == 2:  # loky keeps its idle workers: the /proc scan used below can see them
        assert 1 <= len(_loky_workers()) <= 2
    else:  # (an error raised through joblib also shuts the pool down, so serially here)
        with pytest.raises(DataError, match="toy failure"):
            tc.backtest(
                [FailsSomeOrigins()], dgs10, splitter=splitter, errors="raise", progress=False
            )


def test_keyboard_interrupt_in_a_worker_raises_and_leaves_no_workers(dgs10, picklable_here):
    """Ctrl-C in a loky worker reaches the caller as KeyboardInterrupt, and the pool's worker
    processes are shut down (none is left running; the next parallel run starts a new pool)."""
    splitter = tc.WalkForward(**SPLIT)
    with pytest.raises(KeyboardInterrupt):
        tc.backtest(
            [tc.Naive(), Interrupting()], dgs10, splitter=splitter, n_jobs=2, progress=False
        )
    assert _wait_until_gone() == []


def test_keyboard_interrupt_is_never_recorded_as_a_failure(dgs10):
    """errors='skip' records Exceptions only: Ctrl-C stops the run at once."""
    with pytest.raises(KeyboardInterrupt):
        tc.backtest(
            [Interrupting()],
            dgs10,
            splitter=tc.WalkForward(**SPLIT),
            n_jobs=1,
            errors="skip",
            progress=False,
        )


def test_a_clean_run_has_an_empty_failures_table_with_its_columns(dgs10):
    res = tc.backtest([tc.Naive()], dgs10, splitter=tc.WalkForward(**SPLIT), progress=False)
    assert res.failures.empty
    assert list(res.failures.columns) == [
        "series",
        "model",
        "origin",
        "error",
        "message",
        "traceback",
    ]
    assert res.failures["origin"].tolist() == []


def _session_members(session: int) -> list[int]:
    """Live processes of a session (read from /proc): a command and everything it started."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session and fields[0] != "Z":
            out.append(int(entry))
    return out


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc (Linux)")
def test_sigterm_to_a_parallel_cli_backtest_ends_its_workers():
    """SIGTERM to `tickcast backtest --jobs 2` ends like Ctrl-C: exit 130 and no loky worker
    or resource tracker left holding the output pipes (the caller's read returns). Bounded:
    60 s for the workers to start, 30 s to finish; everything is killed in `finally`."""
    code = "import sys; from tickcast.cli import main; sys.exit(main())"
    argv = ["backtest", "dbk", "--models", "naive,linear", "--initial", "500", "--step", "1"]
    argv += ["--horizon", "5", "--refit-every", "1", "--jobs", "2"]
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "TICKCAST_OFFLINE": "1"},
        start_new_session=True,  # its own session: every process it starts is findable
    )
    try:
        deadline = time.monotonic() + 60
        while len(_session_members(proc.pid)) < 3 and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.2)
        assert len(_session_members(proc.pid)) >= 3  # the CLI, its workers, the tracker
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)  # hangs (TimeoutExpired) if pipes stay open
        assert proc.returncode == 130 and "tickcast: interrupted" in err.decode()
        deadline = time.monotonic() + 10
        while _session_members(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _session_members(proc.pid) == []
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


# --------------------------------------------------------------------------------------------
# numerics
# --------------------------------------------------------------------------------------------
def _weights(model) -> np.ndarray:
    return np.concatenate(
        [np.ravel(v) for net in model.networks_ for v in net.get_weights().values()]
    )


@pytest.mark.parametrize(
    ("optimizer", "lr", "dtype"),
    [
        ("sgd", 1e30, "float32"),
        ("rmsprop", 1e20, "float32"),
        ("bb", 1e300, "float64"),
        ("sgd", 1e6, "float64"),
        ("adam", 1e6, "float32"),
    ],
)
def test_exploding_gradients_never_give_a_nan_model(optimizer, lr, dtype):
    """A huge learning rate ends in a TrainingError, or the clipped weights stay finite and
    every forecast is finite or refused with a TrainingError; never NaN."""
    y = tc.load("dbk").iloc[-300:]
    model = tc.RNNForecaster(
        "lstm",
        hidden=4,
        lookback=5,
        horizon=2,
        epochs=3,
        optimizer=optimizer,
        lr=lr,
        dtype=dtype,
        seed=0,
    )
    try:
        model.fit(y)
    except TrainingError as exc:
        message = str(exc)
        assert "`lr`" in message
        assert "NaN" in message or "infinite" in message or "diverged" in message
        assert not hasattr(model, "networks_") or np.isfinite(_weights(model)).all()
        return
    assert np.isfinite(_weights(model)).all()
    for call in (
        lambda: model.predict(2).to_frame().to_numpy(),
        lambda: model.simulate(2, 20, seed=0),
    ):
        try:
            out = call()
        except TrainingError as exc:
            assert "non-finite" in str(exc) and "learning rate" in str(exc)
        else:
            assert np.isfinite(out).all()


def test_a_diverged_rnn_is_a_training_error_not_a_fitted_model():
    """Finite but useless weights (sgd with lr=1e6) must not come back as a fitted model."""
    y = tc.load("dbk").iloc[-300:]
    model = tc.RNNForecaster(
        "lstm",
        hidden=4,
        lookback=5,
        horizon=2,
        epochs=3,
        optimizer="sgd",
        lr=1e6,
        dtype="float64",
        seed=0,
    )
    with pytest.raises(TrainingError, match=r"diverged|NaN or infinite"):
        model.fit(y)


def test_a_huge_learning_rate_in_a_backtest_is_a_recorded_failure_not_nan():
    y = tc.load("dbk").iloc[-300:]
    model = tc.RNNForecaster(
        "rnn",
        hidden=4,
        lookback=5,
        horizon=2,
        epochs=2,
        optimizer="sgd",
        lr=1e30,
        dtype="float32",
        seed=0,
    )
    res = tc.backtest(
        [model], y, splitter=tc.WalkForward(initial=200, step=50, horizon=2), progress=False
    )
    assert len(res.failures) == 2 and set(res.failures["error"]) == {"TrainingError"}
    assert res.forecasts.empty


class NaNInBatch(tc.Naive):
    """A batched fast path that returns NaN for its second origin (a stand-in for overflow)."""

    short_name = "nanbatch"
    batched_origins = True
    batched_folds = False  # Naive's whole-task path would bypass this stand-in

    def forecast_origins(self, y, X, origins, horizon, quantiles):
        means = np.repeat(y.to_numpy()[origins][:, None], horizon, axis=1)
        means[1, -1] = np.nan
        return means, np.repeat(means[:, :, None], len(quantiles), axis=2)


def test_a_nan_from_a_batched_fast_path_is_a_recorded_failure(dgs10):
    splitter = tc.WalkForward(initial=400, step=10, horizon=5, refit_every=None)
    res = tc.backtest([NaNInBatch()], dgs10, splitter=splitter, progress=False)
    origins = [f.origin for f in splitter.split(dgs10)]
    fr = res.failures
    assert list(fr["origin"]) == [dgs10.index[origins[2]]]  # fold 0 refits; batch from fold 1
    assert list(fr["error"]) == ["TrainingError"] and "non-finite forecast" in fr["message"][0]
    f = res.forecasts
    assert np.isfinite(f[["mean", "lower_80", "upper_95"]].to_numpy()).all()
    assert f["origin"].nunique() == len(origins) - 1


def test_overflowing_forecasts_are_refused_not_returned():
    """Drift on a series that doubles each step: exp(cumulative log return) overflows far
    out; the forecast is refused with a TrainingError naming the horizon."""
    idx = pd.bdate_range("2020-01-01", periods=60)
    y = pd.Series(2.0 ** np.arange(60) * 1e-10, index=idx)
    model = tc.Drift().fit(y)
    assert np.isfinite(model.predict(50).to_frame().to_numpy()).all()
    with pytest.raises(TrainingError, match=r"produced non-finite .* of horizon 1100"):
        model.predict(1100)
    with pytest.raises(TrainingError, match="simulated paths"):
        model.simulate(1100, 10, seed=0)


def test_arima_non_convergence_is_reported_on_the_result():
    y = tc.load("dgs10").iloc[-250:]
    with pytest.warns(ConvergenceWarning, match=r"did not converge within maxiter=1"):
        m = tc.ARIMAForecaster(order=(2, 1, 2), maxiter=1).fit(y)
    assert m.converged_ is False
    assert m.convergence_warnings_ and all(isinstance(w, str) for w in m.convergence_warnings_)
    assert np.isfinite(m.predict(5).to_frame().to_numpy()).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ok = tc.ARIMAForecaster(order=(1, 1, 0)).fit(y)
    assert ok.converged_ is True


def test_errors_raised_by_faults_are_tickcast_errors():
    for cls in (NetworkError, TrainingError, DataError):
        assert issubclass(cls, TickcastError)


# --------------------------------------------------------------------------------------------
# reports of a backtest in which every origin failed, or run without intervals
# --------------------------------------------------------------------------------------------
class AlwaysFails(tc.Naive):
    short_name = "broken"

    def _fit(self, y, z, X):
        raise DataError("toy failure")


def test_a_backtest_where_every_origin_failed_still_reports(tmp_path, walk):
    """Every table and plot works and says why it is empty; to_html writes the failures."""
    splitter = tc.WalkForward(initial=250, step=10, horizon=3)
    for y in (walk, {"a": walk, "b": walk * 2}):
        res = tc.backtest([AlwaysFails()], y, splitter=splitter, progress=False)
        assert res.forecasts.empty and len(res.failures) == 5 * (1 if "a" not in y else 2)
        assert res.summary().empty and "toy failure" not in res.to_markdown().split("## F")[0]
        assert "## Failures" in res.to_markdown()
        page = open(res.to_html(tmp_path / "r.html"), encoding="utf-8").read()
        assert "every origin failed (5 DataError)" in page and "<h2>Failures</h2>" in page
        ax = res.plot("equity", series=res.series[0])
        assert "no equity to show" in ax.get_title()


def test_a_backtest_without_intervals_reports(tmp_path, walk):
    splitter = tc.WalkForward(initial=250, step=10, horizon=3)
    res = tc.backtest(
        [tc.Naive(), tc.Drift(), AlwaysFails()],
        walk,
        splitter=splitter,
        level=None,
        progress=False,
    )
    assert res.levels == () and not res.summary().empty
    page = open(res.to_html(tmp_path / "r.html"), encoding="utf-8").read()
    assert not any(c.startswith(("coverage_", "width_")) for c in res.summary().columns)
    assert "data-kind='coverage'" in page and "data-kind='equity'" in page
    assert "<h2>Failures</h2>" in page


def test_cli_backtest_where_every_origin_failed_writes_the_report_and_exits_1(tmp_path, capsys):
    from tickcast.cli import main

    out = tmp_path / "report"
    argv = ["backtest", "dbk", "--models", "linear", "--initial", "5", "--horizon", "1"]
    assert main([*argv, "--step", "2000", "--out", str(out)]) == 1
    captured = capsys.readouterr()
    lines = [ln for ln in captured.err.splitlines() if ln.startswith("tickcast: error:")]
    assert len(lines) == 1 and "Traceback" not in captured.err
    assert "every origin failed (linear: 1 x DataError" in lines[0]
    assert "too short for LinearForecaster" in lines[0]
    assert "0 origins none forecast" in captured.out
    assert (out / "report.html").is_file() and (out / "metrics.csv").is_file()
