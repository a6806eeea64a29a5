"""Name registries of pure functions (losses, penalties): look-up by name
and keyword options bound with ``functools.partial``, with the errors
listing what is valid."""

import functools
import inspect
from typing import Callable, Dict, List

__all__ = ["lookup", "unknown_options", "unwrap"]


def lookup(name, registry: Dict[str, Callable], kind: str) -> Callable:
    """``name`` itself if callable, else ``registry[name]``; an unknown
    name is a ValueError naming ``kind`` and listing the valid names."""
    if callable(name):
        return name
    if name not in registry:
        raise ValueError(
            f"Unknown {kind} {name!r}. "
            f"Valid names: {', '.join(sorted(registry))}."
        )
    return registry[name]


def unknown_options(fn: Callable, options) -> List[str]:
    """The keys of ``options`` that ``fn`` does not take (none if it takes
    ``**kwargs``), sorted."""
    params = inspect.signature(fn).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return []
    return sorted(key for key in options if key not in params)


def unwrap(fn: Callable) -> Callable:
    """The registered function under any ``functools.partial`` layers."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    return fn
