"""Reading spec files: safe YAML parsing with line numbers, content hashes, the ``version`` check.

Parsing runs libyaml's C parser (`yaml.CSafeLoader`; PyYAML's pure-Python `SafeLoader` when
PyYAML was built without libyaml) and builds the document from its events without recursion:
plain scalars resolve and construct with the safe loader's own resolver and constructors
(cached per distinct text, since spec files repeat the same keys and numbers thousands of
times), and each mapping and list records the 1-based line of every key and item (`Marks`), so
an error can say ``file.yaml:12: layers[3].K: ...``. Documents nested deeper than `MAX_DEPTH`
are rejected before anything recursive sees them. The rare YAML features this builder does not
construct itself (merge keys ``<<``, explicit collection tags such as ``!!set``) are handed to
the safe loader as a whole, without line numbers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, cast

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.events import (AliasEvent, DocumentStartEvent, MappingEndEvent, MappingStartEvent,
                         ScalarEvent, SequenceEndEvent, SequenceStartEvent, StreamEndEvent)
from yaml.nodes import ScalarNode

from hwsim.spec.errors import SpecError
from hwsim.spec.fields import Fields, IssueLog, Marks

SPEC_VERSION = 1
MAX_DEPTH = 100  # mappings and lists nested deeper than this are an error (spec files use ~5)

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_PLAIN_COLLECTION_TAGS = (None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


class _SafeLoader(Protocol):
    """What the builder uses of a safe loader (`yaml.CSafeLoader` or `yaml.SafeLoader`), typed
    here because PyYAML's stubs leave these methods unannotated."""

    yaml_constructors: dict[str | None, Callable[[Any, ScalarNode], Any]]

    def get_event(self) -> Any: ...

    def peek_event(self) -> Any: ...

    def resolve(self, kind: type[ScalarNode], value: str, implicit: tuple[bool, bool]) -> str: ...

    def dispose(self) -> None: ...


class _Frame:
    """A mapping or list being filled while the events of its contents arrive."""

    __slots__ = ("key", "key_line", "marks", "value")
    value: dict[Any, Any] | list[Any]

    def __init__(self, value: dict[Any, Any] | list[Any], marks: Marks) -> None:
        self.value, self.marks = value, marks
        self.key: Any = _NO_KEY
        self.key_line = 0


_NO_KEY: Any = object()


class _MarkedBuilder:
    """Builds one document from the events of a safe loader, recording `Marks`."""

    def __init__(self, loader: _SafeLoader) -> None:
        self.loader = loader
        self.marks: dict[int, Marks] = {}
        self.anchors: dict[str, Any] = {}
        self.plain: dict[str, Any] = {}   # constructed value of each distinct plain scalar
        self.fallback = False

    def scalar(self, event: ScalarEvent) -> Any:
        tag, value = event.tag, event.value
        if tag is None or tag == "!":
            plain = event.implicit[0]
            if not plain:
                return value
            if value in self.plain:
                return self.plain[value]
            tag = self.loader.resolve(ScalarNode, value, (True, False))
            if tag == "tag:yaml.org,2002:merge":  # ``<<``: the safe loader merges
                self.fallback = True
                return value
            result = self._construct(tag, event)
            self.plain[value] = result
            return result
        return value if tag == _STR else self._construct(tag, event)

    def _construct(self, tag: str, event: ScalarEvent) -> Any:
        if tag == _STR:
            return event.value
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        constructors = type(self.loader).yaml_constructors
        constructor = constructors.get(tag, constructors[None])
        try:
            return constructor(self.loader, node)
        except ValueError as exc:  # e.g. an integer of more than 4300 digits
            raise ConstructorError(None, None, f"cannot read {event.value[:20]!r}...: "
                                   f"{str(exc).split(';')[0]}", event.start_mark) from None

    def build(self) -> Any:
        """The document's data (None for an empty stream)."""
        loader = self.loader
        loader.get_event()  # stream start
        if isinstance(loader.peek_event(), StreamEndEvent):
            loader.get_event()
            return None
        loader.get_event()  # document start
        stack: list[_Frame] = []
        result: Any = None
        while True:
            event = loader.get_event()
            cls = cast(type[Any], type(event))
            if cls is ScalarEvent:
                value: Any = self.scalar(event)
                if event.anchor is not None:
                    self.anchors[event.anchor] = value
            elif cls is AliasEvent:
                if event.anchor not in self.anchors:
                    raise ComposerError(None, None, f"found undefined alias {event.anchor!r}",
                                        event.start_mark)
                value = self.anchors[event.anchor]
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                if len(stack) >= MAX_DEPTH:
                    raise _TooDeep(event.start_mark.line + 1)
                if event.tag not in _PLAIN_COLLECTION_TAGS:
                    self.fallback = True
                container: Any = {} if cls is MappingStartEvent else []
                marks = Marks(event.start_mark.line + 1)
                self.marks[id(container)] = marks
                if event.anchor is not None:
                    self.anchors[event.anchor] = container
                stack.append(_Frame(container, marks))
                continue
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                value = stack.pop().value
            else:
                raise ComposerError(None, None, f"unexpected {cls.__name__}", event.start_mark)
            if not stack:
                result = value
                break
            top = stack[-1]
            if type(top.value) is list:
                top.value.append(value)
                top.marks.items.append(event.start_mark.line + 1)
            elif top.key is _NO_KEY:
                if isinstance(value, (list, dict)):
                    raise ConstructorError("while constructing a mapping", None,
                                           "found unhashable key", event.start_mark)
                top.key, top.key_line = value, event.start_mark.line + 1
            else:
                top.value[top.key] = value
                top.marks.keys[top.key] = top.key_line
                top.key = _NO_KEY
        loader.get_event()  # document end
        if not isinstance(loader.peek_event(), StreamEndEvent):
            event = loader.get_event()
            if isinstance(event, DocumentStartEvent):
                raise ComposerError("expected a single document in the stream", None,
                                    "but found another document", event.start_mark)
        return result


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def read_text(path: Path) -> tuple[str, str]:
    """Return the file's text and its sha256; a missing or unreadable file is a SpecError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError.single(str(path), "", f"cannot read file: {exc.strerror}") from None
    try:
        return data.decode("utf-8"), hashlib.sha256(data).hexdigest()
    except UnicodeDecodeError:
        raise SpecError.single(str(path), "", "expected a UTF-8 text file") from None


def parse_yaml_marked(text: str, file: str) -> tuple[Any, dict[int, Marks]]:
    """Safely parse one YAML document; return it and the `Marks` of its mappings and lists
    (by ``id``). Malformed or too deeply nested YAML is a one-line SpecError with the line."""
    loader = cast(_SafeLoader, _BaseLoader(text))
    try:
        builder = _MarkedBuilder(loader)
        data = builder.build()
        if builder.fallback:
            return yaml.load(text, Loader=_BaseLoader), {}
        return data, builder.marks
    except _TooDeep as exc:
        raise SpecError.single(file, "", f"malformed YAML: mappings and lists nested deeper "
                               f"than {MAX_DEPTH} levels", exc.line) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        line = mark.line + 1 if mark is not None else None
        raise SpecError.single(file, "", f"malformed YAML: {problem}", line) from None
    finally:
        loader.dispose()


def parse_yaml(text: str, file: str) -> Any:
    """`parse_yaml_marked` without the marks."""
    return parse_yaml_marked(text, file)[0]


def open_document(path: Path) -> tuple[Fields, IssueLog, str]:
    """Parse a spec file into top-level `Fields`, checking its ``version``."""
    text, digest = read_text(path)
    file = str(path)
    data, marks = parse_yaml_marked(text, file)
    log = IssueLog(file, marks)
    top = Fields(data, "", log, line=1)
    if not top.valid:
        log.raise_if_any()
    version = top.raw("version", None)
    if version is None:
        top.error("version", f"required field is missing (expected {SPEC_VERSION})")
    elif version != SPEC_VERSION:
        top.error("version", f"expected {SPEC_VERSION}, got {version!r}")
    return top, log, digest
