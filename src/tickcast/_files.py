"""File-writing helpers shared by every layer (models, data cache)."""

from __future__ import annotations

import os

__all__ = ["current_umask", "follow_umask"]


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
