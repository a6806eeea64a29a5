"""Name registries of pure functions (losses, penalties): look-up by name
and keyword options bound with ``functools.partial``, with the errors
listing what is valid."""

import functools
import inspect
from typing import Callable, Dict, List

__all__ = [
    "LOSS_NAMES",
    "PENALTY_NAMES",
    "check_names",
    "lookup",
    "unknown_options",
    "unwrap",
]

# The registered names, declared here without TensorFlow so that the flag
# table (``--loss``, ``--penalty`` choices) is made before it loads;
# ``losses`` and ``penalties`` check at import that their registries hold
# exactly these (``check_names``).
LOSS_NAMES = ("hinge", "minimax", "non_saturating", "relativistic",
              "wasserstein")
PENALTY_NAMES = ("dragan", "lipschitz", "none", "r1", "r1_r2", "r2",
                 "wgan_gp", "zero_gp")


def check_names(registry: Dict[str, Callable], declared, kind: str) -> None:
    """Raises RuntimeError if ``registry``'s names are not ``declared``
    (a name registered in one place and not the other)."""
    if sorted(registry) != sorted(declared):
        raise RuntimeError(
            f"The {kind} registry {sorted(registry)} differs from "
            f"keras_gans.registry's declared names {sorted(declared)}; "
            "register and declare each name in both."
        )


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
