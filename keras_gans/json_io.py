"""JSON files written atomically and read back: run outputs, callback
histories and the benchmarks' JSON-lines results.

A file that cannot be parsed is reported as ``DamagedFileError``, naming
the file (and, for JSON lines, the line) and what to do; the binaries show
it as one line with exit status 4.
"""

import contextlib
import json
import os
import tempfile
from typing import Any, Iterator, List

__all__ = [
    "DamagedFileError",
    "read_json",
    "read_json_lines",
    "staged",
    "staging_path",
    "write_json",
]


class DamagedFileError(OSError, ValueError):
    """A JSON (or JSON-lines) file that cannot be parsed. An ``OSError``
    (a file the package wrote is damaged: exit status 4) and, for callers
    that catch parse errors, a ``ValueError``."""

    def __init__(self, message: str, path):
        super().__init__(message)
        self.path = os.fspath(path)

    def __str__(self):
        return self.args[0]


def staging_path(target, suffix: str = "") -> str:
    """A new, empty file beside ``target`` with a name no other file has
    (``.<name>.<random>.tmp<suffix>``), to write ``target``'s content to
    before ``os.replace``-ing it over ``target``: a user's file of any
    fixed name (``x.tmp.npz``) is never touched. The file has the
    permissions a plain ``open`` would give it."""
    target = os.fspath(target)
    directory = os.path.dirname(os.path.abspath(target))
    os.makedirs(directory, exist_ok=True)
    fd, path = tempfile.mkstemp(
        prefix=f".{os.path.basename(target)}.",
        suffix=f".tmp{suffix}",
        dir=directory,
    )
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)
    return path


@contextlib.contextmanager
def staged(target, suffix: str = "") -> Iterator[str]:
    """``with staged(target) as tmp:`` write ``tmp``; on leaving the block
    it replaces ``target`` (``os.replace``), or on an error it is removed
    and ``target`` is left as it was. ``tmp`` is a ``staging_path``."""
    tmp = staging_path(target, suffix)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_json(path, value: Any, indent: int = 1) -> str:
    """Writes ``value`` to ``path`` atomically (a uniquely named temporary
    file beside it, then ``os.replace``), creating the parent directory;
    returns the path."""
    path = os.fspath(path)
    with staged(path) as tmp, open(tmp, "w") as f:
        json.dump(value, f, indent=indent)
    return path


def _damaged(path, where: str, error: Exception, what: str):
    reason = getattr(error, "msg", None) or str(error)
    return DamagedFileError(
        f"{path} is damaged ({where}: {reason}); {what}", path
    )


def read_json(path, default: Any = None) -> Any:
    """The JSON value in ``path``, or ``default`` when there is no path or
    no such file.

    Raises:
        DamagedFileError: the file is not JSON (names the file, the line
            and column, and says to move it aside).
    """
    if not path or not os.path.exists(path):
        return default
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            return json.loads(f.read().decode("utf-8"))
    except json.JSONDecodeError as e:
        raise _damaged(
            path,
            f"line {e.lineno}, column {e.colno}",
            e,
            "move it aside (or restore it from a backup) and run again.",
        ) from None
    except UnicodeDecodeError as e:
        raise _damaged(
            path,
            f"byte {e.start}",
            e,
            "move it aside (or restore it from a backup) and run again.",
        ) from None


def read_json_lines(path) -> List[Any]:
    """The records of a JSON-lines file (one value per non-empty line);
    empty when the file does not exist.

    Raises:
        DamagedFileError: a line is not JSON (names the file and the line
            number, and says what to do).
    """
    if not os.path.exists(path):
        return []
    path = os.fspath(path)
    records = []
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8")
                if not line.strip():
                    continue
                records.append(json.loads(line))
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                raise _damaged(
                    path,
                    f"line {number}",
                    e,
                    "fix or remove that line (an interrupted write leaves a "
                    "partial last line), or move the file aside.",
                ) from None
    return records
