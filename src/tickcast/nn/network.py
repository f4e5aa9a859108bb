"""``Network``: a sequential stack of layers with a training loop, and a recurrent builder."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from tickcast.errors import ConfigError, DataError, InputTypeError, NotFittedError, TrainingError
from tickcast.nn._checks import check_int, check_real, is_int
from tickcast.nn.layers import Dense, Layer
from tickcast.nn.losses import Loss, make_loss
from tickcast.nn.optim import (
    BarzilaiBorwein,
    Optimizer,
    clip_grad_norm,
    global_norm,
    make_optimizer,
)
from tickcast.nn.recurrent import RecurrentLayer
from tickcast.nn.registry import LAYER_CLASSES
from tickcast.nn.schedules import Schedule, make_schedule
from tickcast.nn.training import EarlyStopping, ProgressBar

__all__ = ["LAYER_CLASSES", "Network"]

_DTYPES = {"float32": np.float32, "float64": np.float64}
_PREDICT_BATCH = 256


class Network:
    """A stack of layers trained by mini-batch gradient descent.

    Parameters
    ----------
    layers : list of Layer
        Applied in order; the last one's outputs are the predictions (a linear
        :class:`~tickcast.nn.layers.Dense` for regression).
    loss : {"mse", "huber", "pinball"} or Loss, default "mse"
    optimizer : str or Optimizer, default "adam"
        A name accepted by :func:`~tickcast.nn.optim.make_optimizer` or an instance.
    lr : float, optional
        Learning rate (initial step size for Barzilai-Borwein); the optimizer's default
        when None.
    clip_norm : float or None, default 5.0
        Rescale the gradients so their global norm is at most this; None disables.
    lr_schedule : None, str, dict, Schedule or callable, default None
        Factor on the learning rate per epoch (:mod:`tickcast.nn.schedules`). Not allowed
        with Barzilai-Borwein, which picks its own step.
    dtype : {"float32", "float64"}, default "float32"
        Floating type of weights and computations; float32 is about twice as fast.
    seed : int or None, default 0
        Seeds the initial weights, the shuffling and the dropout masks: two networks with
        the same seed, data and settings end with bit-for-bit identical weights.

    Attributes
    ----------
    built : bool
    n_features_in_ : int
        Input features (last axis of ``X``).
    n_params : int
        Trainable scalars.
    loss_ : Loss
    optimizer_ : Optimizer
    history_ : list of dict
        One record per epoch of the last ``fit``: ``epoch`` (from 1), ``train_loss``
        (mean over the epoch's batches), ``val_loss`` (None without validation data),
        ``step_size`` (the optimizer's step during the epoch) and ``seconds``.
    best_epoch_ : int
        Epoch (from 1) whose weights were kept.
    stopped_early_ : bool
        Whether early stopping ended the last ``fit``.

    Notes
    -----
    All parameters live in one contiguous vector (each layer's arrays are views into it),
    so the optimizer, clipping and non-finite checks are a handful of NumPy calls per batch.

    Examples
    --------
    >>> import numpy as np
    >>> from tickcast.nn import Network, LSTM, Dense
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(256, 10, 1)).astype(np.float32)
    >>> y = X[:, -1, 0] * 0.5
    >>> net = Network([LSTM(8), Dense(1)], lr=0.01, seed=0)
    >>> net = net.fit(X, y, epochs=3, batch_size=32)
    >>> net.predict(X[:4]).shape
    (4, 1)
    """

    def __init__(
        self,
        layers: list[Layer],
        *,
        loss: str | Loss = "mse",
        optimizer: str | Optimizer = "adam",
        lr: float | None = None,
        clip_norm: float | None = 5.0,
        lr_schedule: Any = None,
        dtype: str = "float32",
        seed: int | None = 0,
    ) -> None:
        self.layers = layers
        self.loss = loss
        self.optimizer = optimizer
        self.lr = lr
        self.clip_norm = clip_norm
        self.lr_schedule = lr_schedule
        self.dtype = dtype
        self.seed = seed
        self.built = False

    # -- construction ---------------------------------------------------------------------
    def _validate(self) -> None:
        if not isinstance(self.layers, (list, tuple)) or not self.layers:
            raise ConfigError(f"`layers` must be a non-empty list of layers; got {self.layers!r}.")
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise InputTypeError(
                    f"`layers[{i}]` must be a tickcast.nn Layer; got {type(layer).__name__}."
                )
        if len({id(layer) for layer in self.layers}) != len(self.layers):
            raise ConfigError("`layers` contains the same layer object twice; create a new one.")
        self.loss_ = make_loss(self.loss)
        self.optimizer_ = make_optimizer(self.optimizer, self.lr)
        check_real("clip_norm", self.clip_norm, low=0.0, low_open=True, none_ok=True)
        key = self.dtype if isinstance(self.dtype, str) else np.dtype(self.dtype).name
        if key not in _DTYPES:
            raise ConfigError(f"`dtype` must be 'float32' or 'float64'; got {self.dtype!r}.")
        self._dtype = np.dtype(_DTYPES[key])
        check_int("seed", self.seed, minimum=0, none_ok=True)
        self._schedule = make_schedule(self.lr_schedule)
        if self._schedule is not None and isinstance(self.optimizer_, BarzilaiBorwein):
            raise ConfigError(
                "`lr_schedule` cannot be combined with the Barzilai-Borwein optimizer, which "
                "chooses its own step sizes; drop the schedule or use another optimizer."
            )

    def build(self, n_features: int) -> Network:
        """Check the settings and initialise the weights for inputs with ``n_features``.

        Called by :meth:`fit` when needed; call it yourself to get or set weights first.

        Parameters
        ----------
        n_features : int
            Size of the inputs' last axis.

        Returns
        -------
        Network
            ``self``.
        """
        check_int("n_features", n_features)
        self._validate()
        children = np.random.SeedSequence(self.seed).spawn(len(self.layers) + 1)
        n = int(n_features)
        for layer, ss in zip(self.layers, children[1:], strict=False):
            n = layer.build(n, rng=np.random.default_rng(ss), dtype=self._dtype)
        total = sum(layer.n_params for layer in self.layers)
        self._flat = np.empty(total, dtype=self._dtype)
        self._flat_grad = np.zeros(total, dtype=self._dtype)
        offset = 0
        for layer in self.layers:
            for key, value in list(layer.params.items()):
                size = value.size
                view = self._flat[offset : offset + size].reshape(value.shape)
                view[...] = value
                layer.params[key] = view
                layer.grads[key] = self._flat_grad[offset : offset + size].reshape(value.shape)
                offset += size
        self._rng = np.random.default_rng(children[0])
        self.n_features_in_ = int(n_features)
        self.n_outputs_ = n
        self.built = True
        return self

    @property
    def n_params(self) -> int:
        """Number of trainable scalars (0 before :meth:`build`)."""
        return int(self._flat.size) if self.built else 0

    def named_params(self) -> dict[str, np.ndarray]:
        """Parameters as views, named ``"<layer index>.<name>"`` (e.g. ``"0.W"``)."""
        return {
            f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params.items()
        }

    def named_grads(self) -> dict[str, np.ndarray]:
        """Gradients as views, with the names of :meth:`named_params`."""
        return {
            f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()
        }

    def get_weights(self) -> dict[str, np.ndarray]:
        """Copies of all parameters, named like ``"0.W"``, ``"1.U"`` (ready for ``np.savez``)."""
        self._require_built("get_weights")
        return {k: v.copy() for k, v in self.named_params().items()}

    def set_weights(self, weights: dict[str, np.ndarray]) -> Network:
        """Copy ``weights`` (as from :meth:`get_weights`) into the network, building it first
        if needed (the input size is read from the first weight matrix).

        Returns
        -------
        Network
            ``self``.
        """
        if not isinstance(weights, dict):
            raise InputTypeError(
                f"`weights` must be a dict name -> array; got {type(weights).__name__}."
            )
        if not self.built:
            first = next(
                (
                    i
                    for i, layer in enumerate(self.layers)
                    if isinstance(layer, (Dense, RecurrentLayer))
                ),
                None,
            )
            key = f"{first}.W"
            if first is None or key not in weights:
                raise ConfigError(f"`weights` must contain {key!r} to build the network.")
            self.build(int(np.shape(weights[key])[0]))
        own = self.named_params()
        if set(own) != set(weights):
            raise ConfigError(
                f"`weights` must have exactly the keys {sorted(own)}; got {sorted(weights)}."
            )
        for k, v in own.items():
            arr = np.asarray(weights[k])
            if arr.shape != v.shape:
                raise ConfigError(f"weight {k!r} must have shape {v.shape}; got {arr.shape}.")
            if not np.all(np.isfinite(arr)):
                raise DataError(f"weight {k!r} contains NaN or infinite values.")
            v[...] = arr
        return self

    # -- computing ------------------------------------------------------------------------
    def forward(self, X: np.ndarray, *, training: bool = False) -> np.ndarray:
        """Outputs of the last layer for a batch (trusted path: no input checks)."""
        out = X
        for layer in self.layers:
            out = layer.forward(out, training=training)
        return out

    def backward(self, dY: np.ndarray, *, need_input_grad: bool = True) -> np.ndarray | None:
        """Backpropagate ``dY`` (gradient w.r.t. the outputs); adds into every layer's grads.

        Returns the gradient w.r.t. the network's input, or None when ``need_input_grad`` is
        false (training: the first layer then skips that product).
        """
        for j in range(len(self.layers) - 1, 0, -1):
            dX = self.layers[j].backward(dY, need_input_grad=True)
            if dX is None:
                raise TrainingError(
                    f"layer {j} ({type(self.layers[j]).__name__}) returned no input gradient "
                    "from backward(need_input_grad=True); its backward breaks the Layer contract."
                )
            dY = dX
        return self.layers[0].backward(dY, need_input_grad=need_input_grad)

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise NotFittedError(
                f"Network.{what}() needs a built network; call fit(X, y), build(n_features) or "
                "set_weights(...) first."
            )

    def _check_X(self, X: Any, name: str = "X") -> np.ndarray:
        if isinstance(X, np.ndarray):
            arr: np.ndarray = X
        else:
            try:
                arr = np.asarray(X, dtype=float)
            except (TypeError, ValueError):
                raise InputTypeError(
                    f"`{name}` must be a numeric array; got {type(X).__name__}."
                ) from None
        if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
            raise InputTypeError(f"`{name}` must have a real numeric dtype; got {arr.dtype}.")
        need = (
            self.layers[0].input_ndim
            if isinstance(self.layers, (list, tuple))
            and self.layers
            and isinstance(self.layers[0], Layer)
            else None
        )
        if need is not None and arr.ndim != need:
            raise DataError(
                f"`{name}` must have {need} axes (batch, time, features) for a recurrent first "
                f"layer; got shape {arr.shape}. Build windows with tickcast.make_windows."
            )
        if arr.ndim < 2 or arr.shape[0] == 0:
            raise DataError(
                f"`{name}` must be at least 2-D with one or more rows; got shape {arr.shape}."
            )
        if self.built and arr.shape[-1] != self.n_features_in_:
            raise DataError(
                f"`{name}` must have {self.n_features_in_} features (last axis), as at build; "
                f"got shape {arr.shape}."
            )
        if not np.all(np.isfinite(arr)):
            raise DataError(f"`{name}` contains NaN or infinite values; drop or fill them first.")
        return arr

    def _check_y(self, y: Any, n: int, name: str = "y") -> np.ndarray:
        try:
            arr: np.ndarray = np.asarray(y, dtype=float)
        except (TypeError, ValueError):
            raise InputTypeError(f"`{name}` must be numeric; got {type(y).__name__}.") from None
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2 or arr.shape[0] != n:
            raise DataError(
                f"`{name}` must have shape ({n},) or ({n}, n_targets); got {arr.shape}."
            )
        if not np.all(np.isfinite(arr)):
            raise DataError(f"`{name}` contains NaN or infinite values; drop or fill them first.")
        return arr

    def predict(self, X: np.ndarray, *, batch_size: int | None = None) -> np.ndarray:
        """Predictions for ``X``.

        Parameters
        ----------
        X : ndarray of shape (n, lookback, n_features) (or (n, n_features) for dense nets)
            May be a read-only strided view; it is never modified.
        batch_size : int, optional
            Rows per forward pass (default 256); bounds memory.

        Returns
        -------
        ndarray of shape (n, n_outputs)
            In the network's dtype.
        """
        self._require_built("predict")
        X = self._check_X(X)
        bs = self._check_batch(batch_size, _PREDICT_BATCH)
        return self._predict(X, bs)

    def _predict(self, X: np.ndarray, bs: int) -> np.ndarray:
        outs = [
            self.forward(np.asarray(X[s : s + bs], dtype=self._dtype), training=False)
            for s in range(0, X.shape[0], bs)
        ]
        return np.concatenate(outs, axis=0)

    def evaluate(self, X: np.ndarray, y: np.ndarray, *, batch_size: int | None = None) -> float:
        """Mean loss of the predictions for ``X`` against ``y`` (shape (n,) or (n, m))."""
        self._require_built("evaluate")
        X = self._check_X(X)
        y = self._check_y(y, X.shape[0])
        return self.loss_.value(
            self._predict(X, self._check_batch(batch_size, _PREDICT_BATCH)), y.astype(self._dtype)
        )

    @staticmethod
    def _check_batch(batch_size: Any, default: int) -> int:
        if batch_size is None:
            return default
        check_int("batch_size", batch_size)
        return int(batch_size)

    # -- training -------------------------------------------------------------------------
    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        *,
        epochs: int = 100,
        batch_size: int = 64,
        validation_fraction: float = 0.1,
        patience: int | None = 10,
        min_delta: float = 0.0,
        restore_best: bool = True,
        shuffle: bool = True,
        verbose: int = 0,
        X_val: np.ndarray | None = None,
        y_val: np.ndarray | None = None,
    ) -> Network:
        """Train on windows ``X`` and targets ``y``.

        The first call builds the network; later calls continue from the current weights
        (warm start) with a fresh optimizer state.

        Parameters
        ----------
        X : ndarray of shape (n, lookback, n_features)
            Training windows, oldest first; may be a read-only strided view
            (``sliding_window_view``). Batches are gathered with ``X[idx]``.
        y : ndarray of shape (n,) or (n, n_targets)
            Targets, in the units of the outputs.
        epochs : int, default 100
            Maximum passes over the training windows.
        batch_size : int, default 64
        validation_fraction : float in [0, 1), default 0.1
            Share of windows held out for early stopping, taken from the END of ``X``
            (never shuffled, so the validation period follows the training period).
            Ignored when ``X_val`` is given; 0 disables validation.
        patience : int or None, default 10
            Stop after this many epochs without improving the monitored loss (validation,
            or training loss without validation data) by more than ``min_delta``;
            None trains all ``epochs``.
        min_delta : float, default 0.0
        restore_best : bool, default True
            End with the weights of the best epoch.
        shuffle : bool, default True
            Shuffle training windows every epoch (seeded).
        verbose : int, default 0
            0 silent; 1 a tqdm progress bar over epochs (hidden when not a terminal).
        X_val, y_val : ndarray, optional
            Explicit validation data (both or neither).

        Returns
        -------
        Network
            ``self``.

        Raises
        ------
        TrainingError
            The loss, the gradients or the weights became NaN/inf; the message names the
            epoch, and the weights are reset to the best (or initial) ones first.
        """
        self._check_fit_options(
            epochs, validation_fraction, patience, min_delta, verbose, X_val, y_val
        )
        bs = self._check_batch(batch_size, 64)
        X = self._check_X(X)
        y = self._check_y(y, X.shape[0])
        if not self.built:
            self.build(X.shape[-1])
        if self.n_outputs_ != y.shape[1] * self.loss_.n_per_target:
            raise ConfigError(
                f"the last layer has {self.n_outputs_} outputs but `y` has {y.shape[1]} target(s)"
                f" x {self.loss_.n_per_target} output(s) per target for {self.loss_!r}; set the "
                "last layer's units to match."
            )
        if X_val is not None:
            Xv, yv = self._check_X(X_val, "X_val"), None
            yv = self._check_y(y_val, Xv.shape[0], "y_val")
            Xt, yt = X, y
        elif validation_fraction > 0:
            n_val = round(validation_fraction * X.shape[0])
            if n_val < 1 or n_val >= X.shape[0]:
                raise DataError(
                    f"`validation_fraction`={validation_fraction} leaves {n_val} validation and "
                    f"{X.shape[0] - n_val} training windows out of {X.shape[0]}; both need one "
                    "or more. Use more data or validation_fraction=0."
                )
            Xt, yt, Xv, yv = X[:-n_val], y[:-n_val], X[-n_val:], y[-n_val:]
        else:
            Xt, yt, Xv, yv = X, y, None, None
        yt = yt.astype(self._dtype)
        if yv is not None:
            yv = yv.astype(self._dtype)
        stopper = EarlyStopping(self._flat, patience=patience, min_delta=min_delta)
        self._train(
            Xt,
            yt,
            Xv,
            yv,
            epochs=epochs,
            batch_size=bs,
            shuffle=shuffle,
            verbose=verbose,
            stopper=stopper,
        )
        if restore_best and stopper.best_epoch > 0:
            self._flat[...] = stopper.best_weights
        self._check_not_diverged(yt)
        return self

    def _check_not_diverged(self, yt: np.ndarray) -> None:
        """Raise if training ended with finite but useless weights (e.g. a huge ``lr``).

        The training loss of the kept epoch is compared with the loss of predicting zero for
        every target; more than 100 times that is divergence, not a fit.
        """
        if not self.history_:
            return
        kept = [h for h in self.history_ if h["epoch"] == self.best_epoch_] or self.history_[-1:]
        trained = float(kept[0]["train_loss"])
        zero = float(self.loss_.value(np.zeros((yt.shape[0], self.n_outputs_), yt.dtype), yt))
        if not trained <= 100.0 * max(zero, 1e-12):
            raise TrainingError(
                f"training diverged: the training loss of the kept epoch is {trained:.3g}, more "
                f"than 100 times the {zero:.3g} of predicting zero. Lower `lr` (got "
                f"{self.optimizer_.lr!r}), keep `clip_norm` set, or scale the targets."
            )

    @staticmethod
    def _check_fit_options(
        epochs: Any,
        validation_fraction: Any,
        patience: Any,
        min_delta: Any,
        verbose: Any,
        X_val: Any,
        y_val: Any,
    ) -> None:
        check_int("epochs", epochs)
        check_real("validation_fraction", validation_fraction, low=0.0, high=1.0, high_open=True)
        check_int("patience", patience, none_ok=True)
        check_real("min_delta", min_delta, low=0.0)
        if not is_int(verbose) or verbose < 0:
            raise ConfigError(f"`verbose` must be 0, 1 or 2; got {verbose!r}.")
        if (X_val is None) != (y_val is None):
            raise ConfigError("`X_val` and `y_val` must be given together; got only one of them.")

    def _fail(self, what: str, epoch: int, batch: int | None, restore: np.ndarray) -> TrainingError:
        self._flat[...] = restore
        where = f"epoch {epoch}" + (f", batch {batch}" if batch is not None else "")
        return TrainingError(
            f"{what} became NaN or infinite at {where}; the weights were reset to the best "
            "ones so far. Lower `lr`, keep `clip_norm` set, or scale the inputs and targets."
        )

    def _train(
        self,
        Xt: np.ndarray,
        yt: np.ndarray,
        Xv: np.ndarray | None,
        yv: np.ndarray | None,
        *,
        epochs: int,
        batch_size: int,
        shuffle: bool,
        verbose: int,
        stopper: EarlyStopping,
    ) -> None:
        """The epoch loop: train, validate, record ``history_``, ask ``stopper`` to stop."""
        opt = self.optimizer_
        opt.reset()
        base_lr = opt.lr
        self.history_: list[dict[str, Any]] = []
        self.best_epoch_ = 0
        self.stopped_early_ = False
        bar = ProgressBar(epochs, verbose)
        try:
            for epoch in range(1, epochs + 1):
                t0 = time.perf_counter()
                if self._schedule is not None:
                    base = opt.default_lr if base_lr is None else base_lr
                    opt.lr = base * float(self._schedule(epoch - 1))
                step_size = opt.step_size
                train_loss = self._train_epoch(Xt, yt, batch_size, shuffle, epoch, stopper)
                val_loss = None
                if Xv is not None and yv is not None:
                    val_loss = self.loss_.value(self._predict(Xv, _PREDICT_BATCH), yv)
                    if not math.isfinite(val_loss):
                        raise self._fail("the validation loss", epoch, None, stopper.best_weights)
                self.history_.append(
                    {
                        "epoch": epoch,
                        "train_loss": train_loss,
                        "val_loss": val_loss,
                        "step_size": step_size,
                        "seconds": time.perf_counter() - t0,
                    }
                )
                stop = stopper.update(epoch, train_loss if val_loss is None else val_loss)
                self.best_epoch_ = stopper.best_epoch
                bar.update(train_loss, val_loss)
                if stop:
                    self.stopped_early_ = True
                    break
        finally:
            bar.close()
            if self._schedule is not None:
                opt.lr = base_lr

    def _train_epoch(
        self,
        Xt: np.ndarray,
        yt: np.ndarray,
        batch_size: int,
        shuffle: bool,
        epoch: int,
        stopper: EarlyStopping,
    ) -> float:
        """One pass over the training windows; returns the mean training loss."""
        opt, loss, flat = self.optimizer_, self.loss_, self._flat
        params, grads = {"params": flat}, {"params": self._flat_grad}
        clip = self.clip_norm
        n: int = Xt.shape[0]
        order = self._rng.permutation(n) if shuffle else None
        total = 0.0
        for b, start in enumerate(range(0, n, batch_size)):
            if order is None:
                Xb = np.asarray(Xt[start : start + batch_size], dtype=self._dtype)
                yb = yt[start : start + batch_size]
            else:
                idx = order[start : start + batch_size]
                Xb = np.asarray(Xt[idx], dtype=self._dtype)
                yb = yt[idx]
            with np.errstate(over="ignore", invalid="ignore"):  # checked just below
                out = self.forward(Xb, training=True)
                value = loss.value(out, yb)
            if not math.isfinite(value):
                raise self._fail("the training loss", epoch, b + 1, stopper.best_weights)
            self._flat_grad.fill(0.0)
            self.backward(loss.gradient(out, yb), need_input_grad=False)
            # global-norm clipping (no scaling when the norm is not finite)
            norm = global_norm(grads) if clip is None else clip_grad_norm(grads, clip)
            if not math.isfinite(norm):
                raise self._fail("the gradient", epoch, b + 1, stopper.best_weights)
            opt.step(params, grads)
            total += value * Xb.shape[0]
        opt.end_epoch()
        if not np.all(np.isfinite(flat)):
            raise self._fail("the weights", epoch, None, stopper.best_weights)
        return total / n

    # -- configuration --------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """JSON-serialisable description; :meth:`from_config` rebuilds an unbuilt copy."""

        def conf(obj: Any) -> Any:
            return obj.get_config() if hasattr(obj, "get_config") else obj

        if self.lr_schedule is not None and not isinstance(self.lr_schedule, (str, dict, Schedule)):
            raise ConfigError(
                "a custom callable `lr_schedule` cannot be serialised; use a Schedule object."
            )
        return {
            "layers": [layer.get_config() for layer in self.layers],
            "loss": conf(self.loss),
            "optimizer": conf(self.optimizer),
            "lr": self.lr,
            "clip_norm": self.clip_norm,
            "lr_schedule": conf(self.lr_schedule),
            "dtype": self.dtype if isinstance(self.dtype, str) else np.dtype(self.dtype).name,
            "seed": self.seed,
            "n_features": getattr(self, "n_features_in_", None),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Network:
        """Rebuild a network from :meth:`get_config` (built when ``n_features`` is known)."""
        try:
            layers = []
            for spec in config["layers"]:
                spec = dict(spec)
                layers.append(LAYER_CLASSES[spec.pop("class")](**spec))
            net = cls(
                layers,
                loss=make_loss(config["loss"]),
                optimizer=make_optimizer(config["optimizer"]),
                lr=config["lr"],
                clip_norm=config["clip_norm"],
                lr_schedule=config["lr_schedule"],
                dtype=config["dtype"],
                seed=config["seed"],
            )
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"`config` is not a Network configuration: {exc!r}.") from None
        if config.get("n_features") is not None:
            net.build(int(config["n_features"]))
        return net

    def __repr__(self) -> str:
        names = ", ".join(type(layer).__name__ for layer in self.layers)
        return f"Network([{names}], loss={self.loss!r}, optimizer={self.optimizer!r})"
