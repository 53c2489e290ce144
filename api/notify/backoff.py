"""When to try a failed delivery again: exponential backoff with jitter, and "retry later" errors.

Retrying is the outbox's job (a Celery task re-queues the delivery with a countdown); channels
only say whether a retry can help (`DeliveryError.retryable`) and, when the far side said when to
come back (Slack's or a webhook's `Retry-After`), how long to wait: `RetryLater.retry_after`.

    countdown = delay_for(exc, attempt)      # attempt 1 is the first retry

The delays double from `base_s` up to `cap_s`, with "full jitter" (a uniform draw below the
exponential value, never under half of it) so that many deliveries failing together do not all
come back in the same second.
"""

from __future__ import annotations

import random

from api.notify.base import DeliveryError

DEFAULT_BASE_S = 30.0
DEFAULT_CAP_S = 6 * 3600.0
#: A Retry-After longer than this is not honoured literally: the cap wins.
MAX_RETRY_AFTER_S = 24 * 3600.0


class RetryLater(DeliveryError):
    """A retryable failure where the far side said how long to wait (seconds, or None)."""

    def __init__(self, message: str, *, retry_after: float | None) -> None:
        super().__init__(message, retryable=True)
        self.retry_after = retry_after


def backoff_seconds(
    attempt: int,
    *,
    base_s: float = DEFAULT_BASE_S,
    cap_s: float = DEFAULT_CAP_S,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, ...): base * 2**(attempt-1), capped,
    jittered into [half, all] of that value. `rng` makes the draw reproducible (tests)."""
    if attempt < 1:
        raise ValueError("attempt counts from 1 (the first retry).")
    ceiling = min(cap_s, base_s * 2.0 ** min(attempt - 1, 62))
    draw = (rng or random).random()
    return ceiling / 2.0 + draw * ceiling / 2.0


def parse_retry_after(value: str | None) -> float | None:
    """A Retry-After header in seconds (the form Slack and most APIs send); None when absent or
    not a number (an HTTP date is rare from APIs, and backoff is a safe answer to it)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if seconds != seconds or seconds < 0:  # NaN or negative
        return None
    return min(seconds, MAX_RETRY_AFTER_S)


def delay_for(
    error: DeliveryError,
    attempt: int,
    *,
    base_s: float = DEFAULT_BASE_S,
    cap_s: float = DEFAULT_CAP_S,
    rng: random.Random | None = None,
) -> float:
    """The countdown before retrying after `error`: the far side's Retry-After when it gave one
    (never less than it), else `backoff_seconds(attempt)`."""
    if isinstance(error, RetryLater) and error.retry_after is not None:
        return max(error.retry_after, 1.0)
    return backoff_seconds(attempt, base_s=base_s, cap_s=cap_s, rng=rng)
