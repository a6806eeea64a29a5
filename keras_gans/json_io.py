"""JSON files written atomically and read back: run outputs, callback
histories and the benchmarks' JSON-lines results."""

import json
import os
from typing import Any, List

__all__ = ["read_json", "read_json_lines", "write_json"]


def write_json(path, value: Any, indent: int = 1) -> str:
    """Writes ``value`` to ``path`` atomically (a temporary file, then
    ``os.replace``), creating the parent directory; returns the path."""
    path = os.fspath(path)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        json.dump(value, f, indent=indent)
    os.replace(tmp, path)
    return path


def read_json(path, default: Any = None) -> Any:
    """The JSON value in ``path``, or ``default`` when there is no path or
    no such file."""
    if not path or not os.path.exists(path):
        return default
    with open(path) as f:
        return json.load(f)


def read_json_lines(path) -> List[Any]:
    """The records of a JSON-lines file (one value per non-empty line);
    empty when the file does not exist."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]
