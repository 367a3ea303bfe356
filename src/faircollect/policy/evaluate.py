"""``evaluate(pack, request, now) -> Decision``: pure, no I/O, no clock; same inputs, same answer.

Every rule of the pack is judged on the request's facts at ``now``; ``rules``
lists each deny and review hit in the pack's order; the effect is deny if any
rule denies, else review if any asks for review, else allow.

``next_allowed_at`` (only when something denies and every denying rule is a
time rule) is the earliest instant after ``now`` at which every time rule
passes on the same facts. Time facts are piecewise constant: the local wall
clock crosses a window boundary, the local date turns, an entry ages past a
count's window, or the zone's offset changes (DST). So the search evaluates
the time rules at a sorted set of candidate instants holding every such point
up to the pack's horizon (two days beyond its longest look-back) and answers
the first at which all pass; none found gives null.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from faircollect.domain.errors import BadInput, InputProblem
from faircollect.policy.facts import Facts, Screener, default_screener
from faircollect.policy.model import Decision, Request, RuleHit, Window
from faircollect.policy.pack import Pack, PackError, PackLibrary
from faircollect.policy.parse import parse_request, parse_request_json

__all__ = ["decide", "decide_json", "evaluate", "evaluate_many", "next_allowed_at"]


def evaluate(
    pack: Pack, request: Request, now: datetime, *, screener: Screener = default_screener
) -> Decision:
    """The pack's decision on ``request`` at ``now``."""
    facts = Facts.of(request, now, default_timezone=pack.timezone, screener=screener, params=pack.values)
    hits: list[RuleHit] = []
    denied = False
    only_time = True
    for rule in pack.by_channel[request.action.channel]:
        hit = rule.judge(facts)
        if hit is not None:
            hits.append(hit)
            if hit.effect == "deny":
                denied = True
                if not rule.time:
                    only_time = False
    if denied:
        effect = "deny"
    elif hits:
        effect = "review"
    else:
        effect = "allow"
    upcoming = next_allowed_at(pack, facts) if denied and only_time else None
    return Decision(effect, tuple(hits), upcoming, pack.id, pack.version)


def evaluate_many(
    pack: Pack, requests: Iterable[Request], *, screener: Screener = default_screener
) -> list[Decision]:
    """Decisions for a batch, each at its request's own ``now``, in order."""
    return [evaluate(pack, request, request.now, screener=screener) for request in requests]


def decide(
    raw: object,
    *,
    library: PackLibrary,
    default_pack: str = "cn",
    source: str = "request",
    line: int | None = None,
    screener: Screener = default_screener,
) -> Decision:
    """Parse one decoded JSON request and decide it at its ``now``; its ``pack`` overrides the default.

    Raises ``BadInput`` naming the field for a bad request or an unknown pack.
    """
    request = parse_request(raw, source=source, line=line)
    return _decide(request, library, default_pack, source, line, screener)


def decide_json(
    text: str | bytes,
    *,
    library: PackLibrary,
    default_pack: str = "cn",
    source: str = "request",
    line: int | None = None,
    screener: Screener = default_screener,
) -> Decision:
    """``decide`` for a request still in JSON text (``parse_request_json``: the same answer, faster)."""
    request = parse_request_json(text, source=source, line=line)
    return _decide(request, library, default_pack, source, line, screener)


def _decide(
    request: Request,
    library: PackLibrary,
    default_pack: str,
    source: str,
    line: int | None,
    screener: Screener,
) -> Decision:
    pack_id = request.pack or default_pack
    try:
        pack = library.get(pack_id)
    except PackError as exc:
        column = "pack" if request.pack else None
        raise BadInput(InputProblem(file=source, line=line, column=column, reason=str(exc))) from None
    return evaluate(pack, request, request.now, screener=screener)


# -- next_allowed_at ---------------------------------------------------------------------------


def next_allowed_at(pack: Pack, facts: Facts) -> datetime | None:
    """The earliest instant after ``facts.at`` at which every time rule of ``pack`` passes."""
    rules = pack.time_by_channel[facts.request.action.channel]
    for candidate in _candidates(pack, facts):
        later = facts.later(candidate)
        for rule in rules:
            hit = rule.judge(later)
            if hit is not None and hit.effect == "deny":
                break
        else:
            return candidate
    return None


def _candidates(pack: Pack, facts: Facts) -> Iterator[datetime]:
    """Every instant in (now, now + horizon] at which a time fact may change, in order.

    Generated a local day at a time (most searches end on the first or second day): the
    day's window boundaries and midnight, the offset changes within it, and the instants at
    which history entries start or stop counting. A heap keeps the order exact even where a
    DST fold puts a wall time of one day after the start of the next.
    """
    now = facts.at.astimezone(UTC)
    end = now + pack.horizon
    tz = facts.shared.tz
    walls: set[time] = set(pack.boundaries)
    for name in pack.window_facts:
        window = facts.get(name)
        if isinstance(window, Window):
            walls.update((window.start, window.end))
    ordered = tuple(sorted(walls))
    heap: list[datetime] = []
    for selector in pack.time_counts:
        for entry in facts.shared.select(selector.base()):
            change = selector.change_after(entry.at)
            if change is not None:
                heap.append(change.astimezone(UTC))
    heapq.heapify(heap)
    day = facts.today()
    last_day = end.astimezone(tz).date()
    last: datetime | None = None
    while True:
        if day <= last_day:
            points, after = _day_points(day, ordered, tz)
            for point in points:
                heapq.heappush(heap, point)
            day += timedelta(days=1)
        else:
            after = end + timedelta(seconds=1)
        while heap and heap[0] < after:
            point = heapq.heappop(heap)
            if point <= now or point == last:
                continue
            if point > end:
                return
            last = point
            yield point
        if day > last_day and not heap:
            return
        if after > end:
            return


@lru_cache(maxsize=8192)
def _day_points(day: date, walls: tuple[time, ...], tz: ZoneInfo) -> tuple[tuple[datetime, ...], datetime]:
    """The UTC instants of ``walls`` on local ``day`` with its offset changes, and the next day's start.

    On a day without an offset change each wall time is one instant. On a day with
    one (DST), each wall time is taken at both folds (an hour that repeats has two
    instants; one that is skipped has none, and the transition itself is where the
    clock jumps past it), and the transition instant is a candidate too. Cached: a
    batch asks about the same few days and zones again and again.
    """
    start = datetime.combine(day, time(0), tzinfo=tz)
    after = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    offset = start.utcoffset()
    if offset is not None and offset == after.utcoffset():
        base = datetime(day.year, day.month, day.day, tzinfo=UTC) - offset
        plain = tuple(base + timedelta(hours=w.hour, minutes=w.minute) for w in walls)
        return plain, base + timedelta(days=1)
    points = [
        datetime.combine(day, wall, tzinfo=tz).replace(fold=fold).astimezone(UTC)
        for wall in walls
        for fold in (0, 1)
    ]
    points.extend(_transitions(start.astimezone(UTC), after.astimezone(UTC), tz))
    return tuple(sorted(set(points))), after.astimezone(UTC)


def _transitions(lo: datetime, hi: datetime, tz: ZoneInfo) -> list[datetime]:
    """The instants in (lo, hi] at which the zone's offset changes (bisection to the second)."""
    found: list[datetime] = []
    step = timedelta(hours=3)
    left = lo
    while left < hi:
        right = min(left + step, hi)
        if left.astimezone(tz).utcoffset() != right.astimezone(tz).utcoffset():
            a, b = int(left.timestamp()), int(right.timestamp())
            before = left.astimezone(tz).utcoffset()
            while b - a > 1:
                mid = (a + b) // 2
                if datetime.fromtimestamp(mid, tz).utcoffset() == before:
                    a = mid
                else:
                    b = mid
            found.append(datetime.fromtimestamp(b, UTC))
        left = right
    return found
