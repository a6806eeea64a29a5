"""Argument checks shared by the network builders (``video_networks``
included)."""


def _check_units(hidden_units):
    units = tuple(hidden_units)
    if not units or any(int(u) != u or u < 1 for u in units):
        raise ValueError(
            f"hidden_units must be positive integers, got {hidden_units!r}."
        )
    return units


def _shape(shape):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if not shape or any(int(d) != d or d < 1 for d in shape):
        raise ValueError(f"Invalid sample shape {shape!r}.")
    return shape


def _check_classes(num_classes):
    if num_classes is None:
        return None
    if (
        isinstance(num_classes, bool)
        or int(num_classes) != num_classes
        or num_classes < 2
    ):
        raise ValueError(
            f"num_classes must be an integer >= 2, got {num_classes!r}."
        )
    return int(num_classes)


def _check_filters(base_filters):
    if int(base_filters) != base_filters or base_filters < 1:
        raise ValueError(f"base_filters must be >= 1, got {base_filters!r}.")
    return int(base_filters)
