"""The user's cache directory for compiled artefacts (never the spec repository)."""
from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path | None:
    """`$USM_RULES_CACHE_DIR`, else `$XDG_CACHE_HOME/usm-rules`, else `~/.cache/usm-rules`; None if unusable."""
    explicit = os.environ.get("USM_RULES_CACHE_DIR")
    if explicit == "":
        return None  # caching switched off
    if explicit:
        base = Path(explicit)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "usm-rules"
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return base if os.access(base, os.W_OK) else None


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same directory and rename, so readers never see half a file.

    Only regular files are replaced: a symlink is followed to its target, and a device or pipe
    (`--output /dev/null`, `/dev/stdout`) is written to as it is, never renamed over.
    """
    import stat

    path = Path(os.path.realpath(path))
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        with open(path, "wb") as fh:
            fh.write(data)
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
