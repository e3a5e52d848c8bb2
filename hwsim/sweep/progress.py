"""A text progress bar for sweeps: designs done, percentage, rate and time left.

The command line passes one as `hwsim.sweep`'s `progress` callback, writing to stderr. On a
terminal the bar redraws in place (at most ten times a second); into a file or pipe it writes a
line at most every `interval_s` seconds, and always the last one.
"""

from __future__ import annotations

import time
from typing import TextIO


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else \
        f"{rest // 60}:{rest % 60:02d}"


class ProgressBar:
    """Callable as ``bar(done, total)`` with design counts."""

    def __init__(self, stream: TextIO, label: str = "sweep", width: int = 30,
                 interval_s: float = 5.0) -> None:
        self.stream, self.label, self.width = stream, label, width
        self.tty = stream.isatty()
        self.interval_s = 0.1 if self.tty else interval_s
        self.start = time.monotonic()
        self.first: int | None = None   # designs already done when the bar started (resume)
        self.last_draw = -1e9

    def line(self, done: int, total: int, now: float) -> str:
        """The bar's text; the rate counts only designs evaluated since the bar started."""
        first = self.first if self.first is not None else done
        elapsed = max(now - self.start, 1e-9)
        rate = (done - first) / elapsed
        fraction = done / total if total else 1.0
        filled = int(self.width * fraction)
        eta = _clock((total - done) / rate) if rate > 0 else "?"
        return (f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} "
                f"designs {100 * fraction:5.1f}% {rate:,.0f} designs/s "
                f"elapsed {_clock(elapsed)} ETA {eta}")

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.first is None:
            self.first = done
        final = done >= total
        if not final and now - self.last_draw < self.interval_s:
            return
        self.last_draw = now
        text = self.line(done, total, now)
        if self.tty:
            self.stream.write("\r" + text + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
