"""The time estimate of `archiver build`'s progress bar (issue 20 point 3: "an honest ETA").

click's estimate is the average time per item since the start, which misleads a batch: the first
minutes include the workers' start-up, a batch whose first half is unchanged (skipped in no time)
looks far faster than it will be, and a slowdown (a run of large PDFs, another job on the machine)
shows only after hours. This estimate is the rate of the recent completions: those of the last
`window` seconds (at least the last `least`), measured up to now, so a stall raises the estimate at
once. Records found unchanged are taken off the work left without counting in the rate: skipping
them costs nothing, and they say nothing about how fast the rest will build.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Callable


class Eta:
    """Seconds left for a batch of `total` items, from the rate of its recent completions."""

    def __init__(self, total: int, *, window: float = 60.0, least: int = 8,
                 clock: Callable[[], float] = time.monotonic):
        self.total = total
        self.done = 0
        self.window, self.least, self.clock = window, least, clock
        #: (time, items done by then) of each completion in the window, and the one just before it
        self._marks: deque[tuple[float, int]] = deque([(clock(), 0)])

    def built(self, count: int = 1) -> None:
        """`count` items were built (or failed): they count in the rate."""
        self.done += count
        now = self.clock()
        self._marks.append((now, self.done))
        # keep the oldest mark inside the window as the anchor, and never fewer than `least` completions
        while len(self._marks) > self.least + 1 and self._marks[1][0] <= now - self.window:
            self._marks.popleft()

    def skipped(self, count: int = 1) -> None:
        """`count` items were found current: less work left, and no bearing on the rate."""
        self.total -= count

    def seconds_left(self) -> float | None:
        """None until the first completion (nothing to go by yet); 0 when all is done."""
        left = self.total - self.done
        if left <= 0:
            return 0.0
        anchor_time, anchor_done = self._marks[0]
        recent = self.done - anchor_done
        elapsed = self.clock() - anchor_time
        if recent <= 0 or elapsed <= 0:
            return None
        return left * elapsed / recent

    def text(self) -> str:
        """As the bar shows it: `ETA 1:02:03`, or `ETA --:--` before there is a rate."""
        seconds = self.seconds_left()
        if seconds is None:
            return "ETA --:--"
        whole = int(seconds + 0.5)
        hours, rest = divmod(whole, 3600)
        return f"ETA {hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"ETA {rest // 60:02d}:{rest % 60:02d}"
