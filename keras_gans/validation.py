"""Argument checks shared by the library's constructors and configs."""

__all__ = ["check_integer"]


def check_integer(name: str, value, minimum: int) -> int:
    """Returns ``int(value)``, or raises ValueError naming ``name``.

    Booleans and non-integral numbers are rejected, as are values below
    ``minimum``.
    """
    ok = (
        not isinstance(value, bool)
        and isinstance(value, (int, float))
        and int(value) == value
        and value >= minimum
    )
    if not ok:
        raise ValueError(
            f"{name} must be an integer >= {minimum}, got {value!r}."
        )
    return int(value)
