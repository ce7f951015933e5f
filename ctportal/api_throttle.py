"""Each user's API limits (``user_burst`` and ``user``), counted in one cache round trip.

DRF's throttles keep every caller's full list of request times in the cache and
read and write it back on each request (tens of kilobytes at the hourly rate).
Here each rate's period is cut into ``SLICES`` slices with a counter each. A
request adds one to the current slice and reads the older ones; it is refused
when the slices it reads hold more than the rate allows. They cover the whole
period and at most one slice more, so no stretch of the period's length ever lets
more requests through than the rate says, on any number of nodes: the counters
are shared and added to atomically (``INCR``), and a refused request takes its
count back, as DRF does not record refused requests either.

Both rates are checked in one pipeline to Redis. With the cache down every
request is let through and a warning is logged (logger ``ctportal.cache``), like
every other cache read.
"""

import logging
import math
import time
from dataclasses import dataclass

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django_redis.cache import RedisCache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

logger = logging.getLogger("ctportal.cache")

SLICES = 10


@dataclass
class Window:
    """One rate over one caller: the counters of the slices it reads."""

    scope: str
    limit: int
    duration: int
    ident: str
    now: float

    @property
    def width(self) -> float:
        return self.duration / SLICES

    @property
    def current(self) -> int:
        return int(self.now // self.width)

    def key(self, index: int) -> str:
        return f"throttle:{self.scope}:{self.ident}:{index}"

    @property
    def older_keys(self) -> list[str]:
        return [self.key(index) for index in range(self.current - SLICES, self.current)]

    @property
    def timeout(self) -> int:
        # A slice is read until SLICES slices have started after it.
        return math.ceil(self.width * (SLICES + 2))

    def wait(self, counts: list[int]) -> float:
        """Seconds until enough of the oldest slices are no longer read to allow one more."""
        counts = [*counts[:-1], counts[-1] - 1]  # without the refused request
        to_drop = sum(counts) - self.limit + 1
        dropped = 0
        for position, count in enumerate(counts):
            dropped += count
            if dropped >= to_drop:
                # The slice at this position is last read while slice current+position runs.
                return max(0.0, (self.current + position + 1) * self.width - self.now)
        return float(self.duration)


class Counters:
    """The slices' counters in the default cache: one pipeline on Redis."""

    def __init__(self):
        self.cache = caches[DEFAULT_CACHE_ALIAS]
        # django-redis's client; other caches (in memory in development) go through the API.
        self.redis = self.cache.client if isinstance(self.cache, RedisCache) else None

    def add(self, windows: list[Window]) -> list[list[int]] | None:
        """Adds the request to each window's current slice; each window's counts, oldest first.

        ``None`` when the cache cannot be reached.
        """
        try:
            if self.redis is None:
                return [self._add_in_cache(window) for window in windows]
            pipeline = self.redis.get_client(write=True).pipeline(transaction=False)
            for window in windows:
                current = self.cache.make_key(window.key(window.current))
                pipeline.incr(current)
                pipeline.expire(current, window.timeout)
                pipeline.mget([self.cache.make_key(key) for key in window.older_keys])
            replies = pipeline.execute()
        except Exception:
            logger.warning("The API throttle could not reach the cache", exc_info=True)
            return None
        counts = []
        for position in range(len(windows)):
            current, _expired, older = replies[3 * position : 3 * position + 3]
            counts.append([int(value or 0) for value in older] + [int(current)])
        return counts

    def take_back(self, windows: list[Window]) -> None:
        try:
            if self.redis is None:
                for window in windows:
                    self.cache.decr(window.key(window.current))
                return
            pipeline = self.redis.get_client(write=True).pipeline(transaction=False)
            for window in windows:
                pipeline.decr(self.cache.make_key(window.key(window.current)))
            pipeline.execute()
        except Exception:
            logger.warning("The API throttle could not reach the cache", exc_info=True)

    def _add_in_cache(self, window: Window) -> list[int]:
        key = window.key(window.current)
        self.cache.add(key, 0, window.timeout)
        try:
            current = self.cache.incr(key)
        except ValueError:  # gone between add and incr
            self.cache.set(key, 1, window.timeout)
            current = 1
        older = self.cache.get_many(window.older_keys)
        return [int(older.get(key) or 0) for key in window.older_keys] + [current]


class UserRatesThrottle(BaseThrottle):
    """Each user's short (``user_burst``) and hourly (``user``) limits; anonymous callers
    are counted by address, as DRF's UserRateThrottle does.

    The hourly limit is sized for an analyst paging the whole portfolio for an export;
    the burst limit stops a runaway script within a minute. A scope without a rate
    has no limit. Rates are read per request, so changed settings apply at once.
    Each rate counts on its own, as separate DRF throttles would: a request refused
    by one is still counted by the other when that one lets it through.
    """

    scopes = ("user_burst", "user")

    def __init__(self):
        self._wait = None

    @staticmethod
    def parse_rate(rate):
        return SimpleRateThrottle.parse_rate(None, rate)

    def allow_request(self, request, view) -> bool:
        rates = api_settings.DEFAULT_THROTTLE_RATES
        user = request.user
        ident = str(user.pk) if user and user.is_authenticated else f"ip:{self.get_ident(request)}"
        now = time.time()
        windows = []
        for scope in self.scopes:
            limit, duration = self.parse_rate(rates.get(scope))
            if limit is not None:
                windows.append(Window(scope, limit, duration, ident, now))
        if not windows:
            return True
        counters = Counters()
        counts = counters.add(windows)
        if counts is None:
            return True
        refused = [
            (window, count)
            for window, count in zip(windows, counts, strict=True)
            if sum(count) > window.limit
        ]
        if not refused:
            return True
        counters.take_back([window for window, _count in refused])
        self._wait = max(window.wait(count) for window, count in refused)
        return False

    def wait(self):
        return self._wait
