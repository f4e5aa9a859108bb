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
from tickcast.data.validate import check_exog, validate_series
from tickcast.errors import ModelFileError
from tickcast.features.handcrafted import FeatureSet

__all__ = ["FORMAT_VERSION", "load_model", "register_model", "save_model"]

#: Bumped when the file layout changes; files from a newer format are refused.
FORMAT_VERSION = 1
_MAGIC = "tickcast-model"

#: Model classes a file may name, by class name; filled by :func:`register_model`.
_MODEL_CLASSES: dict[str, type] = {}


def register_model(cls: type) -> type:
    """Let files saved from ``cls`` be loaded (every Forecaster subclass registers itself).

    Parameters
    ----------
    cls : type
        A forecaster class; its ``__name__`` is what ``save_model`` writes.

    Returns
    -------
    type
        ``cls``, so that this works as a class decorator.
    """
    _MODEL_CLASSES[cls.__name__] = cls
    return cls


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, FeatureSet):
        return {"__featureset__": value.get_config()}
    return value


def _restore_param(value: Any) -> Any:
    if isinstance(value, dict) and "__featureset__" in value:
        return FeatureSet.from_config(value["__featureset__"])
    return value


def save_model(model: Any, path: str | os.PathLike[str]) -> str:
    """Write ``model`` to ``path`` atomically; returns the path (``.npz`` appended if absent).

    The file gets the mode a plain ``open()`` would give (``0o666 & ~umask``, 0644 usually).
    """
    from tickcast._files import check_writable_path, unwritable_error

    given = path
    if isinstance(path, (str, os.PathLike)) and str(path).strip():
        given = Path(path).expanduser()
        if given.suffix != ".npz":
            given = given.with_name(given.name + ".npz")
    path = check_writable_path(given, name="path", what="the model file")
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
        "target": getattr(model, "target_", None),
    }
    arrays: dict[str, np.ndarray] = {
        "__header__": np.array(_header_json(model, header)),
        "y_values": model.y_.to_numpy(dtype=float),
        "y_dates": model.y_.index.asi8,
    }
    if model.X_ is not None:
        arrays["x_values"] = model.X_.to_numpy(dtype=float)
    own = {**model._get_state(), **model._volatility_state(), **model._aci_arrays()}
    for key, value in own.items():
        arrays[f"state.{key}"] = np.asarray(value)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
        with os.fdopen(fd, "wb") as fh:
            follow_umask(tmp)  # mkstemp made it 0600
            np.savez(fh, **arrays)  # type: ignore[arg-type]  # numpy stubs: allow_pickle
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise unwritable_error(path, exc, name="path", what="the model file") from exc
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return str(path)


def _header_json(model: Any, header: dict[str, Any]) -> str:
    """``header`` as JSON, or a ConfigError naming the parameter or attr that cannot be."""
    from tickcast.errors import ConfigError

    try:
        return json.dumps(header, allow_nan=True)
    except (TypeError, ValueError):
        pass
    name = type(model).__name__
    for key, value in model.get_params(deep=False).items():
        try:
            json.dumps(_jsonable(value))
        except (TypeError, ValueError):
            raise ConfigError(
                f"cannot save {name}: its parameter `{key}` is a {type(value).__name__} "
                f"({value!r}), which a model file cannot store (parameters are saved as JSON: "
                "numbers, strings, lists, None). Pass it by name (e.g. target='diff', "
                "activation='tanh') and fit again."
            ) from None
    for key, value in dict(model.y_.attrs).items():
        try:
            json.dumps(_jsonable(value))
        except (TypeError, ValueError):
            raise ConfigError(
                f"cannot save {name}: `y.attrs[{key!r}]` of the fitted series is a "
                f"{type(value).__name__} ({value!r}), which a model file cannot store (attrs "
                f"are saved as JSON). Store it as a string or number, e.g. "
                f"y.attrs[{key!r}] = str(value), or delete it, and fit again."
            ) from None
    try:
        return json.dumps(header, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"cannot save {name}: its header is not JSON ({exc}).") from None


def load_model(path: str | os.PathLike[str]) -> Any:
    """Load a model saved by ``Forecaster.save``.

    Raises
    ------
    ModelFileError
        The file is missing, truncated, a pickle or other non-tickcast file, damaged or
        edited (unreadable header, missing or inconsistent arrays), or was written by a
        newer tickcast format.
    """
    from tickcast.errors import InputTypeError

    if not isinstance(path, (str, os.PathLike)) or (isinstance(path, str) and not path.strip()):
        raise InputTypeError(
            f"`path` must be the path of a saved model file (a str or pathlib.Path); got "
            f"{path!r} ({type(path).__name__})."
        )
    path = Path(path).expanduser()
    if path.is_dir():
        raise ModelFileError(f"{str(path)!r} is a folder, not a model file.")
    try:
        _check_declared_sizes(path)
        with np.load(path, allow_pickle=False) as f:
            files = {key: f[key] for key in f.files}
    except ModelFileError:
        raise
    except FileNotFoundError:
        raise ModelFileError(f"no model file at {str(path)!r}.") from None
    except MemoryError:
        raise ModelFileError(
            f"{str(path)!r} declares arrays too large to load into memory; the file is "
            "damaged or not a tickcast model."
        ) from None
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
    _check_version(path, header)
    name = header.get("class")
    cls = _MODEL_CLASSES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ModelFileError(f"{str(path)!r} holds an unknown model class {name!r}.")
    try:
        return _rebuild(cls, header, files)
    except Exception as exc:  # any failure to restore the saved state: a damaged file
        raise ModelFileError(
            f"{str(path)!r} is damaged or inconsistent and cannot be restored as a "
            f"{name} ({type(exc).__name__}: {exc}). Save the model again."
        ) from exc


#: Largest array a model file may declare (uncompressed), bytes: 4 GiB.
_MAX_ARRAY_BYTES = 4 * 2**30


def _check_declared_sizes(path: Path) -> None:
    """Refuse members whose ``.npy`` header declares more data than the member holds.

    Reads each member's header only (:func:`numpy.lib.format.read_array_header_1_0` /
    ``2_0``), so a damaged or hostile file declaring a shape of 10^12 elements is refused
    before NumPy allocates it. Files that are not zip archives are left to ``np.load``.
    """
    from numpy.lib import format as npy

    if not zipfile.is_zipfile(path):
        return
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            with archive.open(info) as member:
                try:
                    major, _ = npy.read_magic(member)
                    read = npy.read_array_header_1_0 if major == 1 else npy.read_array_header_2_0
                    shape, _, dtype = read(member)
                except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
                    raise ModelFileError(
                        f"{str(path)!r}: member {info.filename!r} has an unreadable array "
                        f"header ({exc}); the file is damaged."
                    ) from None
            if any(int(n) < 0 for n in shape):
                raise ModelFileError(
                    f"{str(path)!r}: member {info.filename!r} declares the negative shape "
                    f"{shape}; the file is damaged."
                )
            declared = int(np.prod([int(n) for n in shape], dtype=object)) * dtype.itemsize
            if declared > min(info.file_size, _MAX_ARRAY_BYTES):
                raise ModelFileError(
                    f"{str(path)!r}: member {info.filename!r} declares shape {shape} of "
                    f"{dtype} ({declared:,} bytes) but holds {info.file_size:,} bytes; the "
                    "file is damaged or was edited, and is not loaded. Save the model again."
                )


def _check_version(path: Path, header: dict[str, Any]) -> None:
    """The header's ``format_version`` is an integer this tickcast reads."""
    if "format_version" not in header:
        raise ModelFileError(
            f"{str(path)!r} has no format_version in its header; it was edited or not "
            "written by tickcast's save. Save the model again."
        )
    version = header["format_version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise ModelFileError(
            f"{str(path)!r} has format_version {version!r} ({type(version).__name__}), not "
            f"an integer; tickcast writes {FORMAT_VERSION}. The header was edited or damaged; "
            "save the model again."
        )
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{str(path)!r} was saved in model format {version}, newer than this tickcast "
            f"reads ({FORMAT_VERSION}); upgrade tickcast to load it."
        )
    if version < 1:
        raise ModelFileError(
            f"{str(path)!r} has format_version {version}; tickcast model formats start at 1. "
            "The header was edited or damaged; save the model again."
        )


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
    # a loaded model is checked as strictly as a fitted one: parameters, history, state
    model._check_params()
    y = validate_series(y, name="y_values", min_length=model._min_length())
    if X is not None:
        X = check_exog(X, y.index, name="x_values")
    model._check_state(state)
    if "vol_kind" in state:  # fitted volatility parameters (issue 12), not re-estimated
        model._restore_volatility = {k: v for k, v in state.items() if k.startswith("vol_")}
    model._set_state(y, X, state)
    model._aci_restore(state)  # adapted conformal levels and pending forecasts (issue 12)
    saved_target = header.get("target")  # absent in older files: not checked
    if saved_target is not None and getattr(model, "target_", None) != saved_target:
        raise ModelFileError(
            f"the saved history gives the target {model.target_!r}, but the model was fitted "
            f"on {saved_target!r}: its values were edited (e.g. a sign changed)."
        )
    return model
