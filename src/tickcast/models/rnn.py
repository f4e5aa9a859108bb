"""Recurrent forecasters: sliding windows -> :mod:`tickcast.nn` network -> direct head.

:class:`RNNForecaster` feeds the last ``lookback`` rows of (transformed target, handcrafted
features, exogenous columns) through a stack of vanilla RNN, LSTM or GRU layers written in
NumPy, and a linear dense head with ``horizon`` outputs predicts the next ``horizon``
transformed steps at once (a *direct* multi-horizon model).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, cast

import numpy as np
import pandas as pd

from tickcast._validation import Rule, check_params, integer, optional, real
from tickcast._validation import alias as alias_rule
from tickcast._validation import seed as seed_rule
from tickcast.errors import ConfigError, DataError, InputTypeError
from tickcast.features.scaling import StandardScaler
from tickcast.features.windows import first_complete_row, make_windows, min_windows
from tickcast.models.aci import ACI_PARAMETER_CONSTRAINTS
from tickcast.models.base import Forecaster, _History
from tickcast.nn.registry import CELLS

__all__ = ["RNNForecaster"]

_CELLS = tuple(CELLS)  # ("lstm", "gru", "rnn"): the one registry, in tickcast.nn
_DTYPES = ("float32", "float64")
# Fewest training windows, and fewest out-of-sample validation windows (they set the
# early stopping and the conformal intervals).
_MIN_TRAIN_WINDOWS = 10
_MIN_VALIDATION_WINDOWS = 10


@dataclass(frozen=True)
class _Params:
    """Validated hyperparameters (see :meth:`RNNForecaster._checked_params`)."""

    cell: str
    hidden: int
    layers: int
    lookback: int
    horizon: int
    dropout: float
    lr: float | None
    epochs: int
    batch_size: int
    patience: int | None
    validation_fraction: float
    dtype: str
    n_ensemble: int
    seed: int
    verbose: int


class RNNForecaster(Forecaster):
    """Recurrent network (RNN, LSTM or GRU) on sliding windows, one output per step ahead.

    At a forecast origin ``t`` (the last observed date) the input is the window of the last
    ``lookback`` rows, each row holding

    * the transformed step ``z[s]`` (log return for prices, difference for rates, by default),
    * the handcrafted ``features`` at ``s`` (computed from the levels up to ``s``),
    * the exogenous columns of ``X`` at ``s`` (values known at ``s``),

    for ``s = t - lookback + 1, ..., t``; every column is standardised with statistics of the
    training slice only. The network's linear head predicts the standardised
    ``z[t + 1], ..., z[t + horizon]``, which are mapped back to target units.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}, default "lstm"
        Recurrent cell: long short-term memory, gated recurrent unit, or the vanilla
        (Elman) cell ``h_t = act(W x_t + U h_{t-1} + b)``.
    hidden : int, default 32
        Units per recurrent layer, >= 1.
    layers : int, default 1
        Number of stacked recurrent layers, >= 1.
    lookback : int, default 60
        Rows (observations, business days for daily data) per input window, >= 1.
    horizon : int, default 5
        Outputs of the direct head (steps ahead), >= 1. Longer forecasts iterate the head
        (see Notes).
    activations : str or sequence of str, default ("tanh",)
        Hidden activation of the recurrent layers; ``("tanh", "relu")`` gives half of each
        layer's units tanh and half relu (see :class:`tickcast.nn.activations.MixedActivation`).
    output_activation : str, default "linear"
        Activation of the head. Keep "linear" for returns and differences, which can take
        either sign and any size.
    dropout : float, default 0.0
        Inverted dropout rate after each recurrent layer during training, in [0, 1).
    optimizer : {"adam", "adamw", "sgd", "momentum", "nesterov", "rmsprop", "bb", "bb1", \
"bb2"}, default "adam"
        Optimizer name (see :func:`tickcast.nn.optim.make_optimizer`); "bb" is
        Barzilai-Borwein.
    lr : float, optional
        Learning rate (initial step size for Barzilai-Borwein), > 0; the optimizer's
        default when None.
    epochs : int, default 30
        Maximum passes over the training windows, >= 1.
    batch_size : int, default 64
        Windows per mini-batch, >= 1.
    patience : int or None, default 5
        Stop after this many epochs without a lower validation loss and keep the best
        epoch's weights; None trains all ``epochs`` (still keeping the best epoch).
    validation_fraction : float, default 0.2
        Share of the windows, the most recent ones, held out for early stopping and for the
        conformal intervals; strictly between 0 and 1.
    features : FeatureSet or sequence of str, optional
        Handcrafted features from :mod:`tickcast.features.handcrafted`, e.g.
        ``["ret_5", "vol_20", "dow"]``. Leading rows where a feature is undefined are
        skipped.
    target : {"log_return", "diff", "diff_bps", "sqrt_diff", "pct_change", "level"}, optional
        Modelled transform of the levels; default log returns for prices, differences for
        rates.
    kind : {"price", "rate"}, optional
        What ``y`` is, when ``target`` is None: prices get log returns, rates differences.
        Overrides ``y.attrs["kind"]``; default: the attrs, else the sign (all positive ->
        price) with a :class:`~tickcast.errors.KindGuessWarning`. Checked in ``fit``.
    dtype : {"float32", "float64"}, default "float32"
        Floating type of the network's weights and computations.
    n_ensemble : int, default 1
        Networks trained with seeds ``seed, seed + 1, ..., seed + n_ensemble - 1``; their
        forecasts are averaged.
    warm_start : bool, default False
        If True, a refit of this object starts from the previously fitted weights instead of
        a fresh initialisation (scikit-learn convention; ``clone`` starts cold).
    seed : int, default 0
        Seeds the initial weights, the shuffling, the dropout masks and the residual
        bootstrap; the same seed gives the same forecasts, bit for bit.
    verbose : int, default 0
        0 silent; 1 a progress bar over epochs for each network.
    volatility : {"constant", "ewma", "garch"}, optional
        Volatility model of the steps (:mod:`tickcast.models.volatility`), used as by
        :class:`~tickcast.LinearForecaster`: normalised conformal scores rescaled by the
        forecast volatility, filtered historical simulation beyond the direct head. None:
        the default for the series' kind (``DEFAULT_VOLATILITY``).
    interval_method : {"conformal", "aci"}, default "conformal"
        How the intervals of the direct steps are calibrated. "conformal": split-conformal
        quantiles of ``residuals_`` at the nominal level. "aci": adaptive conformal inference
        (Gibbs & Candès 2021, :mod:`tickcast.models.aci`): per step and level the miscoverage
        target is updated online, ``alpha_{t+1} = alpha_t + aci_gamma * (alpha - err_t)``,
        from the misses of the intervals issued so far, each learned only when its outcome
        is observed (``update``, or a walk-forward refit on a longer history; a public
        ``fit`` starts afresh); the conformal quantile of ``residuals_`` is taken at the
        adapted level ``1 - alpha_t``. Needs a step target.
    aci_gamma : float, default 0.005
        Step size of the ACI update, in (0, 1] (0.005 as in Gibbs & Candès; larger adapts
        faster and fluctuates more). Used only with ``interval_method="aci"``.
    alias : str, optional
        The model's name in results and reports (its ``label``) instead of the cell name; two
        models in one backtest need different names.

    Attributes
    ----------
    networks_ : list of tickcast.nn.network.Network
        The ``n_ensemble`` trained networks.
    scaler_ : tickcast.features.StandardScaler
        Column means and standard deviations of the inputs over the training slice.
    input_names_ : list of str
        Names of the ``n_features`` input columns: the target name, features, exog columns.
    inputs_ : ndarray of shape (n_rows, n_features)
        Standardised input rows of the whole history (after the features' warm-up), in
        ``dtype``; the last ``lookback`` rows form the window forecast from.
    residuals_ : ndarray of shape (n_validation, horizon)
        Out-of-sample errors ``z - z_hat`` per step (target units) of the averaged forecast
        on the validation windows; they set the conformal intervals.
    n_train_windows_ : int
        Windows the networks were trained on.
    n_validation_ : int
        Validation windows used for early stopping and residuals.
    history_ : list of list of dict
        Per network, the per-epoch records of its training (``Network.history_``).
    warm_started_ : bool
        Whether the last fit started from previous weights.

    Notes
    -----
    **Training and validation.** With ``n`` windows (chronological), the last
    ``round(validation_fraction * n)`` are held out. The first ``horizon - 1`` of these are
    skipped: their targets overlap the targets of the last training window, so they are
    not out of sample. The scaler is fitted on the rows seen by the training windows
    (inputs and targets), never on validation targets. Windows are never shuffled across
    the split; the networks train on the first part with early stopping on the rest, and
    keep the best epoch's weights (they are *not* refitted on all windows).

    **Intervals.** Split-conformal from ``residuals_`` (the validation windows' errors, per
    step, of the ensemble-averaged forecast), as :meth:`Forecaster.predict` does for
    ``interval_method = "conformal"`` (at adapted levels for ``"aci"``), on steps
    ``1..horizon``; later steps are bootstrapped, each path of a network on the target alone
    fed back through it on its own simulated steps (``_simulate_steps``)
    (``Forecast.interval_method`` records which). Bounds never move towards the point forecast
    from one step to the next (a running maximum on the cumulative step scale). Because the
    validation windows also chose the stopping epoch the residuals are slightly optimistic.
    With ``n_ensemble > 1`` the intervals are those of the averaged forecast: the members'
    disagreement enters only through these errors; it does not widen the intervals origin by
    origin.

    **Fast paths.** ``update(y_new)`` keeps the trained weights, the scaler and the
    residuals and only extends the history: new windows are used for prediction, not for
    training. ``warm_start=True`` makes a refit (as the backtest engine does within a task)
    start from the previous weights, so early stopping usually ends it after a few epochs;
    when the input width changes it starts cold.

    **Beyond ``horizon``.** Forecasts are built in blocks of ``horizon`` steps: the predicted
    steps are appended to the history, the level path is reconstructed with the inverse
    transform (on the next business days), features are recomputed on that path, the
    exogenous inputs of an origin ``k`` steps ahead are row ``k - 1`` of ``X_future``, and
    the network is applied again to the newest window.

    Examples
    --------
    >>> import tickcast as tc
    >>> y = tc.load("dbk").iloc[-600:]
    >>> m = tc.RNNForecaster("gru", hidden=4, lookback=10, epochs=2).fit(y)
    >>> m.predict(5, level=90).to_frame().shape
    (5, 3)
    """

    short_name = "rnn"
    supports_exog = True
    _instability_fix = (
        "Refit with a smaller learning rate (`lr`) or stronger regularisation, or forecast "
        "fewer steps."
    )
    _parameter_constraints: ClassVar[dict[str, Rule]] = {
        **{
            name: integer(minimum=1)
            for name in ("hidden", "layers", "lookback", "horizon", "epochs", "batch_size")
        },
        "n_ensemble": integer(minimum=1),
        "seed": seed_rule(allow_none=False),
        "verbose": integer(minimum=0),
        "patience": optional(integer(minimum=1)),
        "dropout": real(
            0.0,
            1.0,
            closed="left",
            rule="a number in [0, 1) (share of units dropped in training)",
            fix="Use 0.0 to disable it.",
        ),
        "validation_fraction": real(
            0.0,
            1.0,
            closed="neither",
            rule="a number strictly between 0 and 1 (share of the latest windows held out)",
            fix="Use e.g. 0.2.",
        ),
        "lr": optional(
            real(
                0.0,
                closed="neither",
                rule="a positive finite number or None",
                fix="Use e.g. 1e-3, or None for the optimizer's default.",
            )
        ),
        "dtype": lambda name, value: _dtype(value),
        "warm_start": lambda name, value: _boolean(name, value),
        **ACI_PARAMETER_CONSTRAINTS,
        "alias": alias_rule(),
    }

    def __init__(
        self,
        cell: str = "lstm",
        *,
        hidden: int = 32,
        layers: int = 1,
        lookback: int = 60,
        horizon: int = 5,
        activations: str | Sequence[str] = ("tanh",),
        output_activation: str = "linear",
        dropout: float = 0.0,
        optimizer: str = "adam",
        lr: float | None = None,
        epochs: int = 30,
        batch_size: int = 64,
        patience: int | None = 5,
        validation_fraction: float = 0.2,
        features: Any = None,
        target: str | None = None,
        kind: str | None = None,
        dtype: str = "float32",
        n_ensemble: int = 1,
        warm_start: bool = False,
        seed: int = 0,
        verbose: int = 0,
        volatility: str | None = None,
        interval_method: str = "conformal",
        aci_gamma: float = 0.005,
        alias: str | None = None,
    ) -> None:
        self.cell = cell
        self.hidden = hidden
        self.layers = layers
        self.lookback = lookback
        self.horizon = horizon
        self.activations = activations
        self.output_activation = output_activation
        self.dropout = dropout
        self.optimizer = optimizer
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.features = features
        self.target = target
        self.kind = kind
        self.dtype = dtype
        self.n_ensemble = n_ensemble
        self.warm_start = warm_start
        self.seed = seed
        self.verbose = verbose
        self.volatility = volatility
        self.interval_method = interval_method
        self.aci_gamma = aci_gamma
        self.alias = alias

    @property
    def label(self) -> str:
        """``alias`` when set, else the cell name (``"lstm"``, ``"gru"`` or ``"rnn"``)."""
        if isinstance(self.alias, str):
            return self.alias
        cell = self.cell.strip().lower() if isinstance(self.cell, str) else None
        return cell if cell in _CELLS else self.short_name

    # ------------------------------------------------------------------ parameters
    def _checked_params(self) -> _Params:
        """Validate every hyperparameter once; raise ConfigError naming the first bad one."""
        from tickcast.nn.activations import get_activation
        from tickcast.nn.optim import make_optimizer

        cell = self.cell.strip().lower() if isinstance(self.cell, str) else self.cell
        if cell not in _CELLS:
            raise ConfigError(
                f"`cell` must be one of {', '.join(map(repr, _CELLS))}; got {self.cell!r}. "
                "Use cell='lstm' (default), 'gru' or 'rnn'."
            )
        checked = check_params(self, self._parameter_constraints)
        ints = {
            name: checked[name]
            for name in ("hidden", "layers", "lookback", "horizon", "epochs", "batch_size")
        }
        n_ensemble, seed, verbose = checked["n_ensemble"], checked["seed"], checked["verbose"]
        patience, dropout, frac = (
            checked["patience"],
            checked["dropout"],
            checked["validation_fraction"],
        )
        lr = checked["lr"]
        if not isinstance(self.optimizer, str):
            raise InputTypeError(
                f"`optimizer` must be an optimizer name (str); got "
                f"{type(self.optimizer).__name__}. Use e.g. optimizer='adam' or 'bb', and `lr`."
            )
        make_optimizer(self.optimizer, None if lr is None else float(lr))  # raises on bad names
        for name, units, fix in (
            ("activations", ints["hidden"], "'tanh' or ('tanh', 'relu')"),
            ("output_activation", 1, "'linear'"),
        ):
            try:
                get_activation(getattr(self, name), units)
            except (ConfigError, InputTypeError) as exc:
                raise type(exc)(
                    f"`{name}` is not a valid activation: {exc} Use e.g. {fix}."
                ) from None
        if not isinstance(self.output_activation, str):
            raise InputTypeError(
                f"`output_activation` must be an activation name (str); got "
                f"{self.output_activation!r}. Use 'linear'."
            )
        return _Params(
            cell=cell,
            dropout=float(dropout),
            lr=None if lr is None else float(lr),
            patience=patience,
            validation_fraction=float(frac),
            dtype=self.dtype,
            n_ensemble=n_ensemble,
            seed=seed,
            verbose=verbose,
            **ints,
        )

    def _build_feature_set(self) -> Any:
        from tickcast.features.handcrafted import as_feature_set

        return as_feature_set(self.features)

    def _n_dropped(self) -> int:
        """Observations the target transform drops (known before fitting when possible)."""
        if hasattr(self, "transform_"):
            return int(self.transform_.n_dropped)
        return 0 if self.target == "level" else 1

    @staticmethod
    def _split(n_windows: int, p: _Params) -> tuple[int, int]:
        """(training windows, held-out windows incl. the ``horizon - 1`` skipped ones)."""
        n_val = round(p.validation_fraction * n_windows)
        return n_windows - n_val, n_val

    @classmethod
    def _min_windows(cls, p: _Params) -> int:
        gap = p.horizon - 1

        def enough(n: int) -> bool:
            n_train, n_val = cls._split(n, p)
            return n_train >= _MIN_TRAIN_WINDOWS and n_val - gap >= _MIN_VALIDATION_WINDOWS

        return min_windows(_MIN_TRAIN_WINDOWS + gap + _MIN_VALIDATION_WINDOWS, enough)

    def _min_length(self) -> int:
        p = self._checked_params()
        fs = self._build_feature_set()
        d = self._n_dropped()
        warm_up = max(0, (fs.max_lookback if fs is not None else 0) - d)
        return d + warm_up + self._min_windows(p) + p.lookback + p.horizon - 1

    def _too_short(self, p: _Params, n_obs: int, need: int, warm_up: int) -> DataError:
        what = f"lookback={p.lookback}, horizon={p.horizon}"
        if warm_up:
            what += f", features (warm-up {warm_up} rows)"
        return DataError(
            f"`y` is too short for RNNForecaster({what}, validation_fraction="
            f"{p.validation_fraction}): it needs at least {need} observations "
            f"({_MIN_TRAIN_WINDOWS} training and {_MIN_VALIDATION_WINDOWS} validation windows); "
            f"got {n_obs}. Pass a longer series or reduce `lookback`/`horizon`."
        )

    # ------------------------------------------------------------------ inputs
    def _raw_inputs(self, y: pd.Series, X: pd.DataFrame | None) -> np.ndarray:
        """Unscaled input rows, shape (n_obs - n_dropped, n_features); row r ends at y[r + d].

        Column 0 is the transformed target, then the features, then the exog columns.
        """
        d = self.transform_.n_dropped
        z = np.asarray(self.transform_.transform(y), dtype=float)
        blocks = [z[:, None]]
        if self.feature_set_ is not None:
            frame = self.feature_set_.transform(y, exog=X)
            blocks.append(np.asarray(frame, dtype=float).reshape(len(y), -1)[d:])
        if X is not None:
            blocks.append(X.to_numpy(dtype=float)[d:])
        return np.concatenate(blocks, axis=1) if len(blocks) > 1 else blocks[0]

    def _input_names(self, y: pd.Series, X: pd.DataFrame | None) -> list[str]:
        names = [str(y.name) if y.name is not None else "target"]
        if self.feature_set_ is not None:
            names += list(self.feature_set_.names)
        if X is not None:
            names += [str(c) for c in X.columns]
        return names

    def _scaled(self, M: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(self.scaler_.transform(M), dtype=self.params_.dtype)

    def _new_network(self, n_features: int, seed: int) -> Any:
        """An initialised network: stacked cells, dropout, dense head of width ``horizon``."""
        from tickcast.nn.builder import build_recurrent_network

        p = self.params_
        return build_recurrent_network(
            cell=p.cell,
            n_features=n_features,
            hidden=(p.hidden,) * p.layers,
            n_outputs=p.horizon,
            activations=self.activations,
            output_activation=self.output_activation,
            dropout=p.dropout,
            optimizer=self.optimizer,
            lr=p.lr,
            dtype=p.dtype,
            seed=seed,
        )

    def _forward(self, windows: np.ndarray) -> np.ndarray:
        """Ensemble-mean forecast in target units, shape (n_windows, horizon)."""
        out = np.zeros((windows.shape[0], self.params_.horizon))
        for net in self.networks_:
            out += net.predict(windows)
        out /= len(self.networks_)
        return cast("np.ndarray", out * self.scaler_.scale_[0] + self.scaler_.center_[0])

    # ------------------------------------------------------------------ fit
    def _fit(self, y: pd.Series, z: np.ndarray, X: pd.DataFrame | None) -> None:
        p = self._checked_params()
        previous = getattr(self, "networks_", None) if self.warm_start else None
        self.params_ = p
        self.feature_set_ = self._build_feature_set()
        M = self._raw_inputs(y, X)
        first = first_complete_row(M, y.index, offset=self.transform_.n_dropped)
        d = self.transform_.n_dropped
        need = d + first + self._min_windows(p) + p.lookback + p.horizon - 1
        if len(y) < need:
            raise self._too_short(p, len(y), need, first)
        self.first_row_ = first
        self.input_names_ = self._input_names(y, X)
        M = M[first:]
        gap = p.horizon - 1
        n_windows = len(M) - p.lookback - p.horizon + 1
        n_train, n_val = self._split(n_windows, p)
        # the training windows see rows 0 .. n_train + lookback + horizon - 2 (incl. targets)
        self.scaler_ = StandardScaler().fit(M[: n_train + p.lookback + p.horizon - 1])
        S = self._scaled(M)
        W = make_windows(S, p.lookback, p.horizon)
        Xt, yt = W.X[:n_train], W.y[:n_train]
        Xv, yv = W.X[n_train + gap :], W.y[n_train + gap :]
        nets = []
        self.warm_started_ = False
        for k in range(p.n_ensemble):
            net = self._new_network(S.shape[1], p.seed + k)
            if previous is not None and k < len(previous):
                self.warm_started_ |= _copy_weights(previous[k], net)
            net.fit(
                Xt,
                yt,
                epochs=p.epochs,
                batch_size=p.batch_size,
                patience=p.patience,
                verbose=p.verbose,
                X_val=Xv,
                y_val=yv,
            )
            nets.append(net)
        self.networks_ = nets
        self.history_ = [list(net.history_) for net in nets]
        z_true = make_windows(M[:, 0], p.lookback, p.horizon).y[n_train + gap :]
        self.residuals_ = z_true - self._forward(Xv)
        self.n_train_windows_ = n_train
        self.n_validation_ = n_val - gap
        self.inputs_ = S

    # ------------------------------------------------------------------ update
    def _update(self, y: pd.Series, X: pd.DataFrame | None, n_new: int) -> None:
        """Extend the history; weights, scaler and residuals stay those of the last fit."""
        M = self._raw_inputs(y, X)[self.first_row_ :]
        if not np.isfinite(M).all():
            bad = int(np.argmin(np.isfinite(M).all(axis=1))) + self.first_row_
            raise DataError(
                f"the inputs have NaN at {y.index[bad + self.transform_.n_dropped].date()}; "
                "check `y_new` (and `X_new`) for gaps."
            )
        self.inputs_ = self._scaled(M)
        self._set_history(y, X)

    # ------------------------------------------------------------------ predict
    def _predict_steps(self, horizon: int, X_future: pd.DataFrame | None) -> np.ndarray:
        L = self.params_.lookback
        steps = self._forward(self.inputs_[None, -L:])[0]

        def next_block(out: np.ndarray, history: _History) -> np.ndarray:
            rows = self._raw_inputs(*history())[-L:]
            return np.asarray(self._forward(self._scaled(rows)[None])[0])

        return self._beyond_horizon(steps, horizon, X_future, next_block)

    def _simulate_steps(
        self,
        horizon: int,
        n_paths: int,
        rng: np.random.Generator,
        X_future: pd.DataFrame | None,
    ) -> np.ndarray:
        """Simulated transformed steps, shape (n_paths, horizon).

        Up to the direct ``horizon`` steps, as :meth:`Forecaster._simulate_steps`. Beyond
        it, a network on the target alone (no features, no exogenous columns) iterates each
        path on its own last ``lookback`` steps, one batched forward pass per block
        (:meth:`Forecaster._iterated_steps`); with features or exogenous inputs, whose later
        values are not functions of the simulated steps alone, the point path plus
        independent draws.
        """
        p = self.params_
        if horizon <= p.horizon or self.feature_set_ is not None or self.X_ is not None:
            return super()._simulate_steps(horizon, n_paths, rng, X_future)
        L = p.lookback

        def block_mean(window: np.ndarray) -> np.ndarray:  # (n_paths, L) raw steps
            scaled = self._scaled(window.reshape(-1, 1)).reshape(len(window), L, 1)
            return self._forward(scaled)

        last = self._raw_inputs(self.y_, None)[-L:, 0]
        first = self._forward(self.inputs_[None, -L:])[0]
        return self._iterated_steps(horizon, n_paths, rng, first, last, block_mean)

    # ------------------------------------------------------------------ persistence
    def _get_state(self) -> dict[str, np.ndarray]:
        state: dict[str, np.ndarray] = {
            "residuals": self.residuals_,
            "scaler_center": self.scaler_.center_,
            "scaler_scale": self.scaler_.scale_,
            "scaler_constant": self.scaler_.constant_,
            "first_row": np.array(self.first_row_),
            "n_train_windows": np.array(self.n_train_windows_),
        }
        for k, net in enumerate(self.networks_):
            for name, value in net.get_weights().items():
                state[f"net{k}.{name}"] = value
        return state

    def _set_state(self, y: pd.Series, X: pd.DataFrame | None, arrays: dict[str, Any]) -> None:
        """Rebuild the networks from saved weights (no training): identical forecasts."""
        p = self._checked_params()
        self.params_ = p
        self._select_target(y)
        self.feature_set_ = self._build_feature_set()
        self.first_row_ = int(arrays["first_row"])
        M = self._raw_inputs(y, X)[self.first_row_ :]
        self.input_names_ = self._input_names(y, X)
        scaler = StandardScaler().fit(M[:2])  # shape bookkeeping; statistics restored below
        scaler.center_ = np.asarray(arrays["scaler_center"], dtype=float)
        scaler.scale_ = np.asarray(arrays["scaler_scale"], dtype=float)
        scaler.constant_ = np.asarray(arrays["scaler_constant"], dtype=bool)
        self.scaler_ = scaler
        nets = []
        for k in range(p.n_ensemble):
            prefix = f"net{k}."
            weights = {n[len(prefix) :]: v for n, v in arrays.items() if n.startswith(prefix)}
            nets.append(self._new_network(M.shape[1], p.seed + k).set_weights(weights))
        self.networks_ = nets
        self.history_ = [[] for _ in nets]
        self.warm_started_ = False
        self.residuals_ = np.asarray(arrays["residuals"], dtype=float)
        self.n_train_windows_ = int(arrays["n_train_windows"])
        self.n_validation_ = len(self.residuals_)
        self.inputs_ = self._scaled(M)
        self._set_history(y, X)
        self._fit_volatility()


def _dtype(value: Any) -> str:
    if not isinstance(value, str) or value not in _DTYPES:
        raise ConfigError(
            f"`dtype` must be 'float32' or 'float64'; got {value!r}. float32 is about twice "
            "as fast."
        )
    return value


def _boolean(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ConfigError(f"`{name}` must be True or False; got {value!r}.")
    return bool(value)


def _copy_weights(source: Any, target: Any) -> bool:
    """Load ``source``'s weights into ``target`` when all names and shapes agree."""
    weights = source.get_weights()
    own = target.named_params()
    if set(weights) != set(own) or any(weights[k].shape != own[k].shape for k in own):
        return False
    target.set_weights(weights)
    return True
