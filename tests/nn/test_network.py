"""Network: the fit loop, validation from the end, early stopping, reproducibility, errors."""

from __future__ import annotations

import numpy as np
import pytest

from tickcast.errors import ConfigError, DataError, InputTypeError, NotFittedError, TrainingError
from tickcast.nn import (
    GRU,
    LSTM,
    RNN,
    Dense,
    Dropout,
    Network,
    Pinball,
    StepDecay,
    build_recurrent_network,
    load_network,
    save_network,
)


@pytest.fixture(scope="module")
def windows(simulate_ar2, one_step_windows):
    y, _ = simulate_ar2(0.5, 0.3, 420, seed=11)
    return one_step_windows(y / y.std(), 8)  # read-only strided (412, 8, 1), (412,)


def _net(cell="lstm", **kw):
    kw = {"hidden": 4, "seed": 3, "lr": 0.01, **kw}
    return build_recurrent_network(cell=cell, n_features=1, **kw)


def test_fit_history_and_predict_shapes(windows):
    X, y = windows
    net = _net().fit(X, y, epochs=3, batch_size=32, patience=None)
    assert [h["epoch"] for h in net.history_] == [1, 2, 3]
    for h in net.history_:
        assert set(h) == {"epoch", "train_loss", "val_loss", "step_size", "seconds"}
        assert h["train_loss"] > 0 and h["val_loss"] > 0 and h["seconds"] > 0
        assert h["step_size"] == 0.01
    pred = net.predict(X)
    assert pred.shape == (len(X), 1) and pred.dtype == np.float32
    assert np.isfinite(pred).all()


def test_training_lowers_the_loss(windows):
    X, y = windows
    untrained = _net(cell="gru").evaluate(X, y)
    net = _net(cell="gru").fit(X, y, epochs=15, batch_size=32, patience=None)
    lags = np.c_[X[:, -2:, 0], np.ones(len(X))]  # the true model class: OLS on two lags
    ols = np.mean((lags @ np.linalg.lstsq(lags, y, rcond=None)[0] - y) ** 2)
    assert net.history_[-1]["train_loss"] < net.history_[0]["train_loss"]
    assert untrained > 1.15 * ols
    assert net.evaluate(X, y) < 1.05 * ols


def test_validation_is_the_end_and_best_weights_are_restored(windows):
    X, y = windows
    net = _net().fit(X, y, epochs=12, batch_size=32, validation_fraction=0.25, patience=None)
    n_val = round(0.25 * len(X))
    best = min(net.history_, key=lambda h: h["val_loss"])
    assert net.best_epoch_ == best["epoch"]
    # the restored weights give exactly the best epoch's validation loss on the LAST windows
    assert net.evaluate(X[-n_val:], y[-n_val:]) == best["val_loss"]
    assert net.evaluate(X[:n_val], y[:n_val]) != best["val_loss"]


def test_early_stopping(windows):
    X, y = windows
    net = _net(lr=1e-5).fit(X, y, epochs=50, batch_size=64, patience=2, min_delta=1.0)
    assert net.stopped_early_
    assert len(net.history_) == 3 and net.best_epoch_ == 1


def test_explicit_validation_data_and_no_validation(windows):
    X, y = windows
    net = _net().fit(X[:300], y[:300], X_val=X[300:], y_val=y[300:], epochs=2, patience=None)
    assert all(h["val_loss"] is not None for h in net.history_)
    net = _net().fit(X, y, validation_fraction=0.0, epochs=2, patience=None)
    assert all(h["val_loss"] is None for h in net.history_)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_same_seed_same_weights_exactly(windows, cell):
    X, y = windows
    runs = [
        _net(cell=cell, hidden=(4, 3), dropout=0.2, seed=9).fit(X, y, epochs=3, batch_size=32)
        for _ in range(2)
    ]
    w0, w1 = (r.get_weights() for r in runs)
    assert all(np.array_equal(w0[k], w1[k]) for k in w0)
    other = _net(cell=cell, hidden=(4, 3), dropout=0.2, seed=10).fit(X, y, epochs=3, batch_size=32)
    assert not np.array_equal(other.get_weights()["0.W"], w0["0.W"])


def test_non_finite_loss_raises_naming_the_epoch_and_keeps_finite_weights(windows):
    X, y = windows
    net = _net(optimizer="sgd", lr=1e6, clip_norm=None)
    with pytest.raises(TrainingError, match=r"epoch \d+"):
        net.fit(X, y * 1e3, epochs=20, batch_size=32)
    assert all(np.isfinite(w).all() for w in net.get_weights().values())


def test_weights_round_trip_and_warm_start(windows, tmp_path):
    X, y = windows
    net = _net(hidden=(3, 2)).fit(X, y, epochs=2)
    weights = net.get_weights()
    assert set(weights) == {"0.W", "0.U", "0.b", "1.W", "1.U", "1.b", "2.W", "2.b"}
    assert net.n_params == sum(w.size for w in weights.values())
    fresh = Network([LSTM(3, return_sequences=True), LSTM(2), Dense(1)], seed=99)
    fresh.set_weights(weights)  # builds from the weight shapes
    np.testing.assert_array_equal(fresh.predict(X), net.predict(X))
    save_network(net, tmp_path / "net.npz")
    loaded = load_network(tmp_path / "net.npz")
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))
    before = net.predict(X[:5])
    net.fit(X, y, epochs=1, patience=None)  # continues from the current weights
    assert not np.array_equal(net.predict(X[:5]), before)


def test_get_weights_returns_copies(windows):
    net = _net()
    w = net.get_weights()
    w["0.W"][...] = 0
    assert np.abs(net.get_weights()["0.W"]).max() > 0


def test_float64_network(windows):
    X, y = windows
    net = _net(dtype="float64").fit(X, y, epochs=1)
    assert net.predict(X).dtype == np.float64


def test_quantile_head(windows):
    X, y = windows
    net = _net(loss=Pinball([0.1, 0.9])).fit(X, y, epochs=25, batch_size=32, patience=None)
    pred = net.predict(X)
    assert pred.shape == (len(X), 2)
    assert (pred[:, 0] < pred[:, 1]).mean() > 0.9  # the 10 % quantile sits below the 90 % one


def test_lr_schedule_sets_the_step_each_epoch(windows):
    X, y = windows
    net = _net(lr=0.02, lr_schedule=StepDecay(every=1, factor=0.5)).fit(
        X, y, epochs=3, patience=None
    )
    assert [h["step_size"] for h in net.history_] == pytest.approx([0.02, 0.01, 0.005])
    assert net.optimizer_.lr == 0.02


def test_bb_records_its_step_sizes(windows):
    X, y = windows
    net = _net(optimizer="bb", lr=0.05).fit(X, y, epochs=4, patience=None)
    steps = [h["step_size"] for h in net.history_]
    assert steps[:2] == [0.05, 0.05] and steps[2] != 0.05


def test_verbose_progress_bar_runs(windows):
    X, y = windows
    assert len(_net().fit(X, y, epochs=2, verbose=1).history_) == 2


def test_dense_only_network():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    net = Network([Dense(8, activation="tanh"), Dense(1)], lr=0.01, seed=0)
    net.fit(X, y, epochs=60, batch_size=32, patience=None)
    assert net.evaluate(X, y) < 0.05 * y.var()


def test_predict_before_build_raises():
    with pytest.raises(NotFittedError, match="fit"):
        Network([LSTM(2), Dense(1)]).predict(np.zeros((1, 3, 1)))


@pytest.mark.parametrize(
    ("make", "fit_kwargs", "error", "match"),
    [
        (lambda: Network([]), {}, ConfigError, "layers"),
        (lambda: Network([LSTM(2), "dense"]), {}, InputTypeError, "layers"),
        (lambda: Network([LSTM(2), Dense(1)], loss="mae"), {}, ConfigError, "loss"),
        (lambda: Network([LSTM(2), Dense(1)], optimizer="lbfgs"), {}, ConfigError, "adam"),
        (lambda: Network([LSTM(2), Dense(1)], lr=-1.0), {}, ConfigError, "lr"),
        (lambda: Network([LSTM(2), Dense(1)], clip_norm=0), {}, ConfigError, "clip_norm"),
        (lambda: Network([LSTM(2), Dense(1)], dtype="float16"), {}, ConfigError, "dtype"),
        (lambda: Network([LSTM(2), Dense(1)], seed=-1), {}, ConfigError, "seed"),
        (
            lambda: Network([LSTM(2), Dense(1)], optimizer="bb", lr_schedule="step"),
            {},
            ConfigError,
            "Barzilai",
        ),
        (lambda: Network([LSTM(2), Dense(3)]), {}, ConfigError, "outputs"),
        (None, {"epochs": 0}, ConfigError, "epochs"),
        (None, {"batch_size": 0}, ConfigError, "batch_size"),
        (None, {"validation_fraction": 1.0}, ConfigError, "validation_fraction"),
        (None, {"patience": 0}, ConfigError, "patience"),
        (None, {"min_delta": -1}, ConfigError, "min_delta"),
        (None, {"verbose": -1}, ConfigError, "verbose"),
        (None, {"X_val": np.zeros((2, 8, 1))}, ConfigError, "y_val"),
        (None, {"validation_fraction": 0.001}, DataError, "validation"),
    ],
)
def test_invalid(windows, make, fit_kwargs, error, match):
    X, y = windows
    net = make() if make is not None else Network([GRU(2), Dense(1)])
    with pytest.raises(error, match=match):
        net.fit(X, y, epochs=fit_kwargs.pop("epochs", 1), **fit_kwargs)


@pytest.mark.parametrize(
    ("X", "y", "error", "match"),
    [
        (np.zeros((10, 8)), np.zeros(10), DataError, "3 axes"),
        (np.full((10, 8, 1), np.nan), np.zeros(10), DataError, "NaN"),
        (np.zeros((10, 8, 1)), np.zeros(9), DataError, "shape"),
        (np.zeros((10, 8, 1)), np.full(10, np.inf), DataError, "NaN"),
        (np.zeros((10, 8, 1), dtype=complex), np.zeros(10), InputTypeError, "dtype"),
        ("windows", np.zeros(10), InputTypeError, "numeric"),
    ],
)
def test_invalid_data(X, y, error, match):
    with pytest.raises(error, match=match):
        Network([RNN(2), Dense(1)]).fit(X, y, epochs=1)


def test_invalid_builder_and_weights():
    with pytest.raises(ConfigError, match="cell"):
        build_recurrent_network(cell="transformer", n_features=1)
    with pytest.raises(ConfigError, match="hidden"):
        build_recurrent_network(n_features=1, hidden=(4, 0))
    with pytest.raises(ConfigError, match="n_features"):
        build_recurrent_network(n_features=0)
    with pytest.raises(ConfigError, match="n_outputs"):
        build_recurrent_network(n_features=1, n_outputs=0)
    with pytest.raises(ConfigError, match="dropout"):
        build_recurrent_network(n_features=1, dropout=1.0)
    net = build_recurrent_network(n_features=2, hidden=3)
    with pytest.raises(ConfigError, match="keys"):
        net.set_weights({"0.W": np.zeros((2, 12))})
    bad = net.get_weights()
    bad["0.U"] = np.zeros((2, 2))
    with pytest.raises(ConfigError, match="shape"):
        net.set_weights(bad)
    with pytest.raises(DataError, match="features"):
        net.predict(np.zeros((1, 4, 3)))
    with pytest.raises(ConfigError, match="same layer"):
        layer = Dense(1)
        Network([Dense(2), Dropout(0.1), layer, layer]).build(2)
