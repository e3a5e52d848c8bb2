"""A small reader that validates one mapping of a YAML document and records every problem.

Loaders walk a parsed document with `Fields`: each accessor checks one key's type and range,
returns the value (or a harmless placeholder after recording an issue), and remembers which keys
were read so that `finish()` can reject unknown keys with a suggestion. Errors accumulate in a
shared `IssueLog`; the loader raises one `SpecError` at the end.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from hwsim.spec.errors import SpecError, SpecIssue, suggest

_MISSING: Any = object()


class IssueLog:
    """Collects `SpecIssue`s for one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[SpecIssue] = []

    def add(self, field_path: str, message: str) -> None:
        self.issues.append(SpecIssue(self.file, field_path, message))

    def raise_if_any(self) -> None:
        if self.issues:
            raise SpecError(self.issues)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Fields:
    """Typed access to the keys of one mapping at `path` inside a spec file."""

    def __init__(self, data: object, path: str, log: IssueLog) -> None:
        self.path = path
        self.log = log
        self.valid = isinstance(data, dict)
        if not self.valid:
            log.add(path, f"expected a mapping, got {_describe(data)}")
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        self._seen: set[str] = set()

    # -- generic -----------------------------------------------------------------------------
    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        self._seen.add(key)
        if key not in self.data:
            if default is _MISSING:
                self.log.add(_join(self.path, key), "required field is missing")
                return None
            return default
        return self.data[key]

    def child_path(self, key: str) -> str:
        return _join(self.path, key)

    def error(self, key: str, message: str) -> None:
        self.log.add(_join(self.path, key), message)

    def finish(self, allowed_extra: Sequence[str] = ()) -> None:
        """Reject keys that no accessor read, suggesting the closest known key."""
        known = self._seen | set(allowed_extra)
        for key in self.data:
            if key not in known:
                self.log.add(_join(self.path, str(key)),
                             "unknown field" + suggest(str(key), sorted(known)))

    # -- typed accessors ---------------------------------------------------------------------
    # Each returns `default` when the key is absent (recording an issue if it is required) and a
    # placeholder of the right type after recording an issue for a present but invalid value.
    def _present(self, key: str, default: Any) -> bool:
        self.raw(key, default)
        return key in self.data

    def integer(self, key: str, default: Any = _MISSING, *, minimum: int = 1) -> int:
        """An integer >= `minimum` (YAML booleans are rejected)."""
        if not self._present(key, default):
            return minimum if default is _MISSING else default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
            self.error(key, f"expected {what}, got {_describe(value)}")
            return minimum
        return value

    def number(self, key: str, default: Any = _MISSING, *, positive: bool = True) -> float:
        """A real number, > 0 when `positive`, else >= 0."""
        if not self._present(key, default):
            return 1.0 if default is _MISSING else default
        value = self.data[key]
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
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
        items = value if isinstance(value, list) else [value, value]
        if len(items) != 2 or not all(
                isinstance(v, int) and not isinstance(v, bool) and v >= minimum for v in items):
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
        sub = Fields(value, self.child_path(key), self.log)
        return sub if sub.valid else None

    def items(self, key: str) -> Iterator[tuple[int, object]]:
        """Enumerate a required non-empty list."""
        value = self.raw(key)
        if value is None:
            return
        if not isinstance(value, list) or not value:
            self.error(key, f"expected a non-empty list, got {_describe(value)}")
            return
        yield from enumerate(value)
