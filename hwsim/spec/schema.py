"""Field tables: each key of a spec section declared once, with its type, default, unit, doc
and allowed values, and what the loader, the YAML writer and the sweep derive from it.

A `Section` is a tuple of `Field`s. From it:

- the loader reads and validates a mapping (`Section.read`, through `Fields`, so messages are
  the loader's usual ``expected ..., got ...``) into dataclass attributes;
- the writer turns attributes back into the YAML mapping (`Section.write`), field by field in
  table order, leaving out optional fields at their default (`Field.write`);
- the sweep lists the section's dotted paths (`Section.paths`), checks a value of one path
  straight from the value (`Field.check`) and converts it to an attribute (`Field.coerce`).

A component that brings its own sub-section (an array kind's options, say) declares it as a
`Section` too and concatenates it (``COMPUTE + kind.fields``); loader, writer and sweep then
handle its keys like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from hwsim.precision import NumberFormat, parse_format
from hwsim.spec.errors import suggest
from hwsim.spec.fields import REQUIRED, Fields, IssueLog
_TABLE_DEFAULT: Any = object()
WRITE_ALWAYS, WRITE_UNLESS_DEFAULT, WRITE_NEVER = "always", "unless_default", "never"


def _names(value: Any) -> Any:
    return value.split(",") if isinstance(value, str) else value


def read_formats(f: Fields, key: str, default: Any) -> tuple[NumberFormat, ...]:
    """A ``formats`` field: every name parsed, each bad one an issue at ``key[i]``."""
    value = f.raw(key, default)
    if key not in f.data:
        return value
    names = _names(value)
    if not isinstance(names, list) or not names:
        f.error(key, f"expected a non-empty list of formats, got {value!r}")
        return ()
    out: list[NumberFormat] = []
    for i, name in enumerate(cast(list[Any], names)):
        try:
            out.append(parse_format(str(name)))
        except ValueError as exc:
            f.error(f"{key}[{i}]", str(exc))
    return tuple(out)


# The operands' names in arch files (``holds``, per-operand energies), in `OPERANDS` order
# (hwsim.spec.arch: ifmap, filter, ofmap).
OPERAND_KEYS = ("inputs", "weights", "outputs")
# The operand of each per-operand buffer, by buffer name.
_OWN_OPERAND: dict[str, str] = dict(zip(("ifmap", "filter", "ofmap"), OPERAND_KEYS, strict=True))


def read_operand_numbers(f: Fields, key: str, default: Any) -> tuple[float, float, float] | None:
    """An ``operand_numbers`` field: one positive number for every operand, or a mapping of
    each operand's (``{inputs, weights, outputs}``, all three); a tuple in `OPERAND_KEYS`
    order, or `default` when absent."""
    value = f.raw(key, default)
    if key not in f.data:
        return value
    if not isinstance(value, dict):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = f.number(key)
            return (number, number, number)
        f.error(key, f"expected a positive number or a mapping of {', '.join(OPERAND_KEYS)} "
                     f"to positive numbers, got {value!r}")
        return (1.0, 1.0, 1.0)
    sub = f.mapping(key)
    assert sub is not None
    numbers = tuple(sub.number(name) for name in OPERAND_KEYS)
    sub.finish()
    return (numbers[0], numbers[1], numbers[2])


def read_operand_list(f: Fields, key: str, default: Any) -> list[str] | None:
    """An ``operands`` field: a list of distinct operand names (`OPERAND_KEYS`), possibly
    empty, or the names joined by commas; each bad item is an issue at ``key[i]``. On a
    per-operand buffer's mapping (its path ends in ifmap, filter or ofmap) only that
    buffer's own operand may be listed."""
    value: object = f.raw(key, default)
    if key not in f.data:
        return default
    if isinstance(value, str):  # names joined by commas, as a sweep passes a list
        value = [name.strip() for name in value.split(",")] if value.strip() else []
    if not isinstance(value, list):
        f.error(key, f"expected a list of operands ({', '.join(OPERAND_KEYS)}), got "
                     f"{value!r}")
        return []
    own = _OWN_OPERAND.get(f.path.rpartition(".")[2])
    out: list[str] = []
    items: list[object] = list(cast("list[object]", value))
    for i, name in enumerate(items):
        if name not in OPERAND_KEYS:
            hint = f" (write {_OWN_OPERAND[name]})" if isinstance(name, str) \
                and name in _OWN_OPERAND \
                else suggest(str(name), OPERAND_KEYS)
            f.error(f"{key}[{i}]", f"expected one of {', '.join(OPERAND_KEYS)}, got {name!r}"
                    + hint)
        elif name in out:
            f.error(f"{key}[{i}]", f"{name} is listed twice")
        elif own is not None and name != own:
            f.error(f"{key}[{i}]", f"a per-operand buffer holds only its own operand "
                                   f"({own}) or nothing, got {name}")
        else:
            out.append(str(name))
    return out


@dataclass(frozen=True, slots=True)
class Field:
    """One key of a spec mapping.

    `kind` picks the `Fields` accessor: ``integer`` (from `minimum`), ``number`` (> 0, or >= 0
    when `minimum` is 0), ``optional_number`` (the same, or absent: None), ``string``,
    ``choice`` (one of `options`), ``boolean``, ``pair`` (an integer or ``[h, w]``, two
    attributes), ``formats`` (a non-empty list of number formats, or their names joined by
    commas), ``operand_numbers`` (`read_operand_numbers`: a positive number or one per
    operand), ``operands`` (`read_operand_list`: a list of distinct operand names). `attr`
    names the dataclass attribute (default: the key); `to_attr` and
    `from_attr` convert between the YAML value and it (``size_kib`` <-> ``size_bytes``).
    `validate` returns a message for a well-typed but unacceptable value; `options_of` gives
    a choice's options when they are only known at run time (registered array kinds).
    `custom` fields are read by the owner of the section itself (their default depends on
    other fields) and only written and swept through the table.
    """

    key: str
    kind: str
    doc: str
    unit: str = ""
    default: Any = REQUIRED
    options: tuple[str, ...] = ()
    minimum: int = 1
    attr: str | tuple[str, str] = ""
    write: str = WRITE_ALWAYS
    to_attr: Callable[[Any], Any] | None = None
    from_attr: Callable[[Any], Any] | None = None
    validate: Callable[[Any], str | None] | None = None
    custom: bool = False
    options_of: Callable[[], tuple[str, ...]] | None = None  # options known only at run time

    @property
    def attribute(self) -> str | tuple[str, str]:
        return self.attr or self.key

    @property
    def integer(self) -> bool:
        """Whether the value is a whole number (a sweep rounds to integers)."""
        return self.kind in ("integer", "pair")

    def read(self, f: Fields, default: Any = _TABLE_DEFAULT) -> Any:
        """Read and validate the key from `f`; return the attribute value. `default` replaces
        the table's default when it depends on other fields (a vector op's ``inputs``)."""
        default = self.default if default is _TABLE_DEFAULT else default
        if self.kind == "integer":
            value: Any = f.integer(self.key, default, minimum=self.minimum)
        elif self.kind == "number":
            value = f.number(self.key, default, positive=self.minimum > 0)
        elif self.kind == "optional_number":
            value = (f.number(self.key, positive=self.minimum > 0) if f.has(self.key)
                     else f.raw(self.key, None))
        elif self.kind == "string":
            value = f.string(self.key, default)
        elif self.kind == "choice":
            options = self.options_of() if self.options_of is not None else self.options
            value = f.choice(self.key, options, default)
        elif self.kind == "boolean":
            value = f.boolean(self.key, default)
        elif self.kind == "pair":
            value = f.pair(self.key, default, minimum=self.minimum)
        elif self.kind == "formats":
            value = read_formats(f, self.key, default)
        elif self.kind == "operand_numbers":
            value = read_operand_numbers(f, self.key, default)
        elif self.kind == "operands":
            value = read_operand_list(f, self.key, default)
        else:
            raise ValueError(f"unknown field kind {self.kind!r}")
        if self.validate is not None and f.has(self.key):
            message = self.validate(value)
            if message:
                f.error(self.key, message)
        return self.to_attr(value) if self.to_attr is not None else value

    def yaml_value(self, attribute: Any) -> Any:
        return self.from_attr(attribute) if self.from_attr is not None else attribute

    def written(self, attribute: Any) -> bool:
        if self.write == WRITE_NEVER:
            return False
        if self.write == WRITE_UNLESS_DEFAULT:
            default = self.to_attr(self.default) if self.to_attr is not None and \
                self.default is not None else self.default
            return attribute != default
        return True

    def check(self, value: Any, path: str) -> str | None:
        """The loader's message for `value` at `path` (None when it is valid), read from a
        one-key mapping: no file is written."""
        log = IssueLog("")
        self.read(Fields({self.key: value}, path.rpartition(".")[0], log))
        return f"{log.issues[0].field_path}: {log.issues[0].message}" if log.issues else None

    def coerce(self, value: Any) -> Any:
        """A validated sweep value (possibly a numpy scalar) as the attribute value."""
        if self.kind == "integer":
            value = int(value)
        elif self.kind in ("number", "optional_number"):
            value = float(value)
        elif self.kind == "boolean":
            value = bool(value)
        elif self.kind in ("string", "choice"):
            value = str(value)
        elif self.kind == "formats":
            value = tuple(parse_format(name) for name in _names(value))
        elif self.kind == "operand_numbers":
            per_operand: dict[str, Any] = cast("dict[str, Any]", value) \
                if isinstance(value, dict) else dict.fromkeys(OPERAND_KEYS, value)
            value = tuple(float(per_operand[k]) for k in OPERAND_KEYS)
        elif self.kind == "operands":
            names: list[Any] = _names(value)
            value = [str(v).strip() for v in names if str(v).strip()]
        return self.to_attr(value) if self.to_attr is not None else value


@dataclass(frozen=True, slots=True)
class Section:
    """The fields of one spec mapping, in the order the writer emits them."""

    fields: tuple[Field, ...]

    def __add__(self, other: Section) -> Section:
        return Section(self.fields + other.fields)

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)

    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    def read(self, f: Fields, defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Every non-custom field read from `f`, by attribute name (pairs give two);
        `defaults` by key replace the table's defaults for this read."""
        out: dict[str, Any] = {}
        for field in self.fields:
            if field.custom:
                continue
            value = field.read(f, defaults[field.key]) if defaults and field.key in defaults \
                else field.read(f)
            attribute = field.attr or field.key
            if isinstance(attribute, str):
                out[attribute] = value
            else:
                out[attribute[0]], out[attribute[1]] = value
        return out

    def write(self, obj: object, out: dict[str, Any] | None = None) -> dict[str, Any]:
        """The YAML mapping of `obj`'s attributes, in table order."""
        out = {} if out is None else out
        for field in self.fields:
            attribute = field.attribute
            if isinstance(attribute, tuple):
                h, w = getattr(obj, attribute[0]), getattr(obj, attribute[1])
                value: Any = (h, w)
                default_pair = None if field.default is REQUIRED else (field.default,) * 2
                if field.write == WRITE_UNLESS_DEFAULT and value == default_pair:
                    continue
                out[field.key] = h if h == w else [h, w]
                continue
            value = getattr(obj, attribute)
            if field.written(value):
                out[field.key] = field.yaml_value(value)
        return out

    def paths(self, prefix: str) -> list[str]:
        return [f"{prefix}.{f.key}" for f in self.fields]
