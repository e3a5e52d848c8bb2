"""tests/rtl/conftest.py: a missing RTL tool skips a test on a developer machine, fails it in CI."""

from __future__ import annotations

from collections.abc import Callable

import pytest

ABSENT = "hwsim-no-such-simulator"


def test_missing_tool_skips_locally(monkeypatch: pytest.MonkeyPatch,
                                    rtl_tool: Callable[[str, str], str]) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=ABSENT):
        rtl_tool(ABSENT, "simulator")


def test_missing_tool_fails_in_ci(monkeypatch: pytest.MonkeyPatch,
                                  rtl_tool: Callable[[str, str], str]) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=ABSENT):
        rtl_tool(ABSENT, "simulator")


def test_present_tool_is_found(rtl_tool: Callable[[str, str], str]) -> None:
    assert rtl_tool("sh", "POSIX shell").endswith("sh")
