"""A clock a test moves by hand, for Discord's deadlines without sleeping."""

from __future__ import annotations


class ManualClock:
    """A monotonic clock (seconds) that moves only when `advance` is called.

    Pass it as `FakeDiscord(clock=...)`: the 3-second acknowledgement deadline, the 15-minute
    token lifetime, the nonce window and rate-limit windows all read it.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        """Return the current reading."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += seconds
