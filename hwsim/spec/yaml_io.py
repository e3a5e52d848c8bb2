"""Reading spec files: safe YAML parsing, content hashes, and the ``version`` check."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from hwsim.spec.errors import SpecError
from hwsim.spec.fields import Fields, IssueLog

SPEC_VERSION = 1


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


def parse_yaml(text: str, file: str) -> Any:
    """`yaml.safe_load` with a one-line error (file, line, problem) on malformed YAML."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError.single(file, where, f"malformed YAML: {problem}") from None


def open_document(path: Path) -> tuple[Fields, IssueLog, str]:
    """Parse a spec file into top-level `Fields`, checking its ``version``."""
    text, digest = read_text(path)
    file = str(path)
    data = parse_yaml(text, file)
    log = IssueLog(file)
    top = Fields(data, "", log)
    if not top.valid:
        log.raise_if_any()
    version = top.raw("version", None)
    if version is None:
        top.error("version", f"required field is missing (expected {SPEC_VERSION})")
    elif version != SPEC_VERSION:
        top.error("version", f"expected {SPEC_VERSION}, got {version!r}")
    return top, log, digest
