"""Save and load fitted forecasters as ``.npz`` arrays plus a JSON header; never pickle."""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tickcast._files import follow_umask
from tickcast.errors import ModelFileError, TickcastError

__all__ = ["FORMAT_VERSION", "load_model", "save_model"]

#: Bumped when the file layout changes; files from a newer format are refused.
FORMAT_VERSION = 1
_MAGIC = "tickcast-model"


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    if type(value).__name__ == "FeatureSet":
        lag = value.exog_lag
        return {
            "__featureset__": {
                "features": list(value.features),
                "target_key": value.target_key,
                "exog_lag": lag if isinstance(lag, (int, np.integer)) else str(lag),
            }
        }
    return value


def _restore_param(value: Any) -> Any:
    if isinstance(value, dict) and "__featureset__" in value:
        from tickcast.features import FeatureSet

        spec = value["__featureset__"]
        lag = spec["exog_lag"]
        if isinstance(lag, str):
            lag = pd.Timedelta(lag)
        return FeatureSet(spec["features"], target_key=spec["target_key"], exog_lag=lag)
    return value


def save_model(model: Any, path: str | os.PathLike) -> str:
    """Write ``model`` to ``path`` atomically; returns the path (``.npz`` appended if absent).

    The file gets the mode a plain ``open()`` would give (``0o666 & ~umask``, 0644 usually).
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    header = {
        "magic": _MAGIC,
        "format_version": FORMAT_VERSION,
        "class": type(model).__name__,
        "params": _jsonable(model.get_params(deep=False)),
        "y_name": None if model.y_.name is None else str(model.y_.name),
        "y_attrs": _jsonable(dict(model.y_.attrs)),
        "date_unit": model.y_.index.unit,
        "date_name": model.y_.index.name,
        "x_columns": None if model.X_ is None else [str(c) for c in model.X_.columns],
    }
    arrays: dict[str, np.ndarray] = {
        "__header__": np.array(json.dumps(header)),
        "y_values": model.y_.to_numpy(dtype=float),
        "y_dates": model.y_.index.asi8,
    }
    if model.X_ is not None:
        arrays["x_values"] = model.X_.to_numpy(dtype=float)
    for key, value in {**model._get_state(), **model._volatility_state()}.items():
        arrays[f"state.{key}"] = np.asarray(value)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as fh:
            follow_umask(tmp)  # mkstemp made it 0600
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return str(path)


def load_model(path: str | os.PathLike) -> Any:
    """Load a model saved by ``Forecaster.save``.

    Raises
    ------
    ModelFileError
        The file is missing, truncated, a pickle or other non-tickcast file, damaged or
        edited (unreadable header, missing or inconsistent arrays), or was written by a
        newer tickcast format.
    """
    from tickcast.models.base import Forecaster

    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as f:
            files = {key: f[key] for key in f.files}
    except FileNotFoundError:
        raise ModelFileError(f"no model file at {str(path)!r}.") from None
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise ModelFileError(
            f"{str(path)!r} is not a readable tickcast model file (truncated, or a pickle, "
            f"which is never loaded): {exc}"
        ) from None
    if "__header__" not in files:
        raise ModelFileError(f"{str(path)!r} is an .npz file but not a tickcast model.")
    try:
        header = json.loads(str(files["__header__"]))
    except ValueError as exc:
        raise ModelFileError(
            f"{str(path)!r} has an unreadable header ({exc}); the file is damaged or was "
            "edited. Save the model again."
        ) from None
    if not isinstance(header, dict) or header.get("magic") != _MAGIC:
        raise ModelFileError(f"{str(path)!r} is not a tickcast model file.")
    version = header.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(
            f"{str(path)!r} was saved in model format {version}, newer than this tickcast "
            f"reads ({FORMAT_VERSION}); upgrade tickcast to load it."
        )
    name = header.get("class")
    cls = Forecaster._registry.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ModelFileError(f"{str(path)!r} holds an unknown model class {name!r}.")
    try:
        return _rebuild(cls, header, files)
    except (TickcastError, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise ModelFileError(
            f"{str(path)!r} is damaged or inconsistent and cannot be restored as a "
            f"{name} ({type(exc).__name__}: {exc}). Save the model again."
        ) from exc


def _rebuild(cls: type, header: dict[str, Any], files: dict[str, np.ndarray]) -> Any:
    """The model of class ``cls`` from a checked header and the file's arrays."""
    model = cls(**{k: _restore_param(v) for k, v in header["params"].items()})
    unit = header.get("date_unit", "ns")
    index = pd.DatetimeIndex(
        files["y_dates"].astype(f"datetime64[{unit}]"), name=header.get("date_name")
    )
    y = pd.Series(files["y_values"], index=index, name=header["y_name"])
    y.attrs.update(header.get("y_attrs") or {})
    X = None
    if header.get("x_columns") is not None:
        X = pd.DataFrame(files["x_values"], index=index, columns=header["x_columns"])
    state = {k[len("state.") :]: v for k, v in files.items() if k.startswith("state.")}
    if "vol_kind" in state:  # fitted volatility parameters (issue 12), not re-estimated
        model._restore_volatility = {k: v for k, v in state.items() if k.startswith("vol_")}
    model._set_state(y, X, state)
    return model
