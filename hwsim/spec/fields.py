"""A small reader that validates one mapping of a YAML document and records every problem.

Loaders walk a parsed document with `Fields`: each accessor checks one key's type and range,
returns the value (or a harmless placeholder after recording an issue), and remembers which keys
were read so that `finish()` can reject unknown keys with a suggestion. Errors accumulate in a
shared `IssueLog`; the loader raises one `SpecError` at the end, each issue carrying the YAML
line of the key it is about when the parser recorded one (`Marks`).

Integers are bounded by `MAX_INTEGER`, the largest count the model's int64 arrays hold, so an
absurd value is an error naming its field rather than an overflow deep inside the model; real
numbers must be finite.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from hwsim.spec.errors import SpecError, SpecIssue, suggest

_MISSING: Any = object()
REQUIRED: Any = _MISSING  # the default of an accessor whose key must be given
MAX_INTEGER = 2**63 - 1  # the largest int64: every count the model keeps is an int64


@dataclass(slots=True)
class Marks:
    """Where a parsed mapping or list is: `line` of its start, and of each key or item
    (1-based)."""

    line: int
    keys: dict[Any, int] = field(default_factory=dict[Any, int])
    items: list[int] = field(default_factory=list[int])


class IssueLog:
    """Collects `SpecIssue`s for one file; `marks` (by ``id`` of each parsed mapping and list,
    from `hwsim.spec.yaml_io.parse_yaml_marked`) give their lines."""

    def __init__(self, file: str, marks: dict[int, Marks] | None = None) -> None:
        self.file = file
        self.issues: list[SpecIssue] = []
        self.marks: dict[int, Marks] = marks if marks is not None else {}

    def add(self, field_path: str, message: str, line: int | None = None) -> None:
        self.issues.append(SpecIssue(self.file, field_path, message, line))

    def line_of(self, container: object, key: Any = _MISSING) -> int | None:
        """The line of `key` in a parsed mapping (of item `key` in a list), else of the
        container itself; None when the parser recorded neither."""
        marks = self.marks.get(id(container))
        if marks is None:
            return None
        if key is not _MISSING:
            if isinstance(container, dict) and key in marks.keys:
                return marks.keys[key]
            if isinstance(container, list) and isinstance(key, int) \
                    and 0 <= key < len(marks.items):
                return marks.items[key]
        return marks.line

    def raise_if_any(self) -> None:
        if self.issues:
            raise SpecError(self.issues)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# Containers are shown only a few levels and items deep: a YAML alias may share one list many
# times over (a "billion laughs" document), whose full repr would never end.
_CONTAINER_REPR = reprlib.Repr()
_CONTAINER_REPR.maxlevel = 3
_CONTAINER_REPR.maxlist = _CONTAINER_REPR.maxdict = 12
_CONTAINER_REPR.maxstring = _CONTAINER_REPR.maxother = _CONTAINER_REPR.maxlong = 60


def _describe(value: Any) -> str:
    text = _CONTAINER_REPR.repr(value) if isinstance(value, (list, dict)) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _finite(value: float) -> bool:
    """True for a number a float64 holds other than inf (an int beyond ~1.8e308 is not)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


class Fields:
    """Typed access to the keys of one mapping at `path` inside a spec file; `line` is where
    the mapping is when the parser did not record it (the line of its key in the parent)."""

    def __init__(self, data: object, path: str, log: IssueLog, line: int | None = None) -> None:
        self.path = path
        self.log = log
        self.valid = isinstance(data, dict)
        if not self.valid:
            log.add(path, f"expected a mapping, got {_describe(data)}",
                    log.line_of(data) or line)
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        self.line = log.line_of(self.data) or line
        self._seen: set[str] = set()

    # -- generic -----------------------------------------------------------------------------
    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        self._seen.add(key)
        if key not in self.data:
            if default is _MISSING:
                self.log.add(_join(self.path, key), "required field is missing", self.line)
                return None
            return default
        return self.data[key]

    def child_path(self, key: str) -> str:
        return _join(self.path, key)

    def line_of(self, key: str) -> int | None:
        """The line of `key` (of this mapping when the key is absent or unrecorded)."""
        return self.log.line_of(self.data, key) or self.line

    def error(self, key: str, message: str) -> None:
        """Record a problem with `key`; a `key` with an index or sub-path
        (``native_formats[2]``) takes the line of its first part."""
        base = key.split("[", 1)[0].split(".", 1)[0]
        self.log.add(_join(self.path, key), message, self.line_of(base))

    def finish(self, allowed_extra: Sequence[str] = ()) -> None:
        """Reject keys that no accessor read, suggesting the closest known key."""
        known = self._seen | set(allowed_extra)
        for key in self.data:
            if key not in known:
                self.log.add(_join(self.path, str(key)),
                             "unknown field" + suggest(str(key), sorted(known)),
                             self.line_of(key))

    # -- typed accessors ---------------------------------------------------------------------
    # Each returns `default` when the key is absent (recording an issue if it is required) and a
    # placeholder of the right type after recording an issue for a present but invalid value.
    def _present(self, key: str, default: Any) -> bool:
        self.raw(key, default)
        return key in self.data

    def integer(self, key: str, default: Any = _MISSING, *, minimum: int = 1) -> int:
        """An integer from `minimum` to `MAX_INTEGER` (YAML booleans are rejected)."""
        value = self.data.get(key)
        if type(value) is int and minimum <= value <= MAX_INTEGER:  # the common case, fast
            self._seen.add(key)
            return value
        if not self._present(key, default):
            return minimum if default is _MISSING else default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
            self.error(key, f"expected {what}, got {_describe(value)}")
            return minimum
        if value > MAX_INTEGER:
            self.error(key, f"expected an integer <= {MAX_INTEGER} (int64, the largest count "
                            f"the model holds), got {_describe(value)}")
            return minimum
        return value

    def number(self, key: str, default: Any = _MISSING, *, positive: bool = True) -> float:
        """A real number, > 0 when `positive`, else >= 0."""
        if not self._present(key, default):
            return 1.0 if default is _MISSING else default
        value = self.data[key]
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and _finite(value)
        if ok and (value > 0 if positive else value >= 0):
            return float(value)
        self.error(key, f"expected a {'positive' if positive else 'non-negative'} number, "
                        f"got {_describe(value)}")
        return 1.0

    def string(self, key: str, default: Any = _MISSING) -> str:
        if not self._present(key, default):
            return "" if default is _MISSING else default
        value = self.data[key]
        if not isinstance(value, str) or not value.strip():
            self.error(key, f"expected a non-empty string, got {_describe(value)}")
            return ""
        return value

    def choice(self, key: str, options: Sequence[str], default: Any = _MISSING) -> str:
        if not self._present(key, default):
            return options[0] if default is _MISSING else default
        value = self.data[key]
        if value not in options:
            self.error(key, f"expected one of {', '.join(options)}, got {_describe(value)}"
                            + suggest(str(value), options))
            return options[0]
        return str(value)

    def boolean(self, key: str, default: Any = _MISSING) -> bool:
        if not self._present(key, default):
            return False if default is _MISSING else default
        value = self.data[key]
        if not isinstance(value, bool):
            self.error(key, f"expected true or false, got {_describe(value)}")
            return False
        return value

    def pair(self, key: str, default: Any = _MISSING, *, minimum: int = 1) -> tuple[int, int]:
        """An integer or a two-integer list ``[h, w]``; a single integer applies to both."""
        if not self._present(key, default):
            return (minimum, minimum) if default is _MISSING else (default, default)
        value = self.data[key]
        items = cast(list[Any], value) if isinstance(value, list) else [value, value]
        if len(items) != 2 or not all(isinstance(v, int) and not isinstance(v, bool)
                                      and minimum <= v <= MAX_INTEGER for v in items):
            what = "positive integer" if minimum == 1 else f"integer >= {minimum}"
            self.error(key, f"expected a {what} or a list of two, got {_describe(value)}")
            return (minimum, minimum)
        return (int(items[0]), int(items[1]))

    def mapping(self, key: str, *, required: bool = True) -> Fields | None:
        """The mapping at `key`, or None when there is none to read: absent (an issue if
        required), null (an issue if required) or not a mapping (an issue)."""
        value = self.raw(key, _MISSING if required else None)
        if value is None and not (required and key in self.data):
            return None
        sub = Fields(value, self.child_path(key), self.log, self.line_of(key))
        return sub if sub.valid else None

    def items(self, key: str) -> Iterator[tuple[int, object]]:
        """Enumerate a required non-empty list."""
        value = self.raw(key)
        if value is None:
            return
        if not isinstance(value, list) or not value:
            self.error(key, f"expected a non-empty list, got {_describe(value)}")
            return
        yield from enumerate(cast(list[object], value))
