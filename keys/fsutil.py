"""Private, crash-safe file operations: atomic 0600 writes, 0700 directories, advisory locks."""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) with mode 0700; an existing directory is left as is.

    Raises:
        OSError: the directory cannot be created.
    """
    if path.is_dir():
        return
    make_private_dir(path.parent)
    try:
        os.mkdir(path, DIR_MODE)
    except FileExistsError:
        return  # created by another process in the meantime
    # mkdir's mode is filtered by the umask; set it so the result is exactly 0700 whatever it is.
    os.chmod(path, DIR_MODE)
    fsync_dir(path.parent)  # make the new directory entry itself durable


def fsync_dir(path: Path) -> None:
    """Flush ``path``'s directory entries to disk, so a completed rename survives a crash."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically: readers see the old or the new file, never half.

    The file is written to a temporary file in the same directory (mode 0600, O_EXCL so an
    existing file or symlink is never followed), flushed, fsynced, renamed over ``path``, and the
    directory is fsynced.

    Raises:
        OSError: the file cannot be written; ``path`` is then unchanged.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    replaced = False
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), FILE_MODE)  # exactly 0600, whatever the umask
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        replaced = True
    finally:
        if not replaced:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    fsync_dir(path.parent)


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created 0600 if missing) for the ``with`` block.

    Blocks until the lock is free. The lock is per open file, so it also excludes other threads of
    this process, and the kernel releases it if the holder dies.

    Raises:
        OSError: the lock file cannot be opened or locked.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the flock
