"""File-writing helpers shared by every layer (models, data cache)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = [
    "check_parent_folder",
    "check_writable_path",
    "current_umask",
    "follow_umask",
    "unwritable_error",
]


def current_umask() -> int:
    """The process' file-creation mask, read without changing it where the OS allows.

    Linux exposes it in ``/proc/self/status``; elsewhere it is read by setting and restoring
    it (``os.umask`` has no read-only form).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def follow_umask(path: str | os.PathLike[str]) -> None:
    """Give a file made by :func:`tempfile.mkstemp` (always 0600) the mode ``open()`` gives.

    That is ``0o666 & ~umask``: 0644 under the usual umask 022, 0600 under 077.
    """
    os.chmod(path, 0o666 & ~current_umask())


def check_parent_folder(
    path: Path,
    *,
    label: str,
    what: str,
    create_missing: bool,
    error: type[Exception] | None = None,
) -> Path:
    """Check the folder that ``path`` will be written into; return the folder checked.

    The one rule of every output path (library writers and the command line). The folder
    must be a folder, not a file, and the process must be able to write to it (a read-only
    file system or a folder without write permission is refused). What differs between
    callers is ``create_missing``.

    Parameters
    ----------
    path : Path
        The file or folder to be written.
    label : str
        How the path is named in messages, e.g. ``"`path`"`` or ``"`--out`"``.
    what : str
        What will be written, e.g. ``"the model file"``.
    create_missing : bool
        True (the library's writers, which create missing folders): missing folders above
        ``path`` are allowed and the first existing one is checked. False (the command
        line): the parent folder itself must exist, so that a typo in a folder name is an
        error instead of a new folder.
    error : exception class, optional
        Raised on failure; default :class:`~tickcast.errors.ConfigError`.

    Raises
    ------
    ConfigError (or ``error``)
        Missing parent (``create_missing=False``), a file where the folder should be, or a
        folder that cannot be written; the message names the reason and what to do.
    """
    from tickcast.errors import ConfigError

    fail = error or ConfigError
    where = f"{label} {str(path)!r}"
    parent = path.absolute().parent
    if create_missing:
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
    elif not parent.exists():
        raise fail(
            f"{where}: the folder {str(parent)!r} does not exist, so {what} cannot be "
            "written; create it first or choose another path."
        )
    if not parent.is_dir():
        raise fail(
            f"{where}: {str(parent)!r} is a file, not a folder, so {what} cannot be written "
            "there; choose another path."
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise fail(
            f"{where}: the folder {str(parent)!r} is not writable (read-only file system or "
            f"no permission), so {what} cannot be written; choose another path."
        )
    return parent


def check_writable_path(path: Any, *, name: str = "path", what: str = "the file") -> Path:
    """Check, before any work, that a file can be written at ``path``; return it as a Path.

    ``path`` must not be a folder, and :func:`check_parent_folder` with
    ``create_missing=True`` must pass: missing folders in between are created by the writer.

    Raises
    ------
    InputTypeError
        ``path`` is not a string or PathLike (None, a number...).
    ConfigError
        The path cannot be written, naming the reason and what to do.
    """
    from tickcast.errors import ConfigError, InputTypeError

    if not isinstance(path, (str, os.PathLike)) or (isinstance(path, str) and not path.strip()):
        raise InputTypeError(
            f"`{name}` must be a file path (a str or pathlib.Path) for {what}; got {path!r} "
            f"({type(path).__name__})."
        )
    out = Path(path).expanduser()
    if out.is_dir():
        raise ConfigError(
            f"`{name}` {str(out)!r} is a folder; give a file name for {what} inside it."
        )
    check_parent_folder(out, label=f"`{name}`", what=what, create_missing=True)
    return out


def unwritable_error(
    path: Path, exc: OSError, *, name: str = "path", what: str = "the file"
) -> Exception:
    """The ConfigError for an OSError met while writing ``what`` to ``path``."""
    from tickcast.errors import ConfigError

    reason = exc.strerror or type(exc).__name__
    return ConfigError(
        f"cannot write {what} to `{name}` {str(path)!r}: {reason}. Nothing was written; choose "
        "a writable path (and check the free space)."
    )
