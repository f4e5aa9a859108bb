"""Save and load networks as ``.npz``: weights plus a JSON configuration, no pickle."""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from tickcast.errors import ModelFileError
from tickcast.nn.network import Network

__all__ = ["load_network", "save_network"]

_CONFIG_KEY = "__tickcast_nn_config__"
_FORMAT = 1


def save_network(net: Network, path: str | os.PathLike[str]) -> None:
    """Write the weights and configuration of a built network to ``path`` (``.npz``).

    Parameters
    ----------
    net : Network
        A built network.
    path : str or path-like
        Destination; NumPy appends ``.npz`` when missing.
    """
    config = {"format": _FORMAT, "network": net.get_config()}
    # typed Any: NumPy's stubs match ``**arrays`` against savez's ``allow_pickle: bool`` too
    arrays: dict[str, Any] = {**net.get_weights(), _CONFIG_KEY: np.array(json.dumps(config))}
    np.savez(path, **arrays)


def load_network(path: str | os.PathLike[str]) -> Network:
    """Read a network written by :func:`save_network` (never unpickles anything).

    Raises
    ------
    ModelFileError
        Not a tickcast network file, a newer format, or truncated.
    """
    try:
        with np.load(path, allow_pickle=False) as data:
            if _CONFIG_KEY not in data.files:
                raise ModelFileError(f"{os.fspath(path)!r} is not a tickcast network file.")
            config: dict[str, Any] = json.loads(str(data[_CONFIG_KEY]))
            weights = {k: data[k] for k in data.files if k != _CONFIG_KEY}
    except (OSError, ValueError, EOFError) as exc:
        if isinstance(exc, ModelFileError):
            raise
        raise ModelFileError(f"cannot read network file {os.fspath(path)!r}: {exc}.") from None
    if config.get("format", 0) > _FORMAT:
        raise ModelFileError(
            f"{os.fspath(path)!r} uses network file format {config.get('format')}; this tickcast "
            f"reads up to {_FORMAT}. Upgrade tickcast."
        )
    net = Network.from_config(config["network"])
    return net.set_weights(weights)
