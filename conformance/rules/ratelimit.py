"""Rate-limit rules over a recorded burst (seed 003 Appendix A 'Rate Limiting').

Absorb documents "200 per second" plus "a burst limit of an additional 100
requests" answered with 429 Too Many Requests. These rules read that as a token
bucket: a bucket that starts full holds ``requests + burst`` tokens and refills at
``requests / per_seconds`` tokens a second, each request taking one. A client may
therefore send ``capacity + rate * t`` requests by elapsed time ``t``; the suite
waits for the bucket to refill before a burst so that reading holds from its start.

Timings come from the client (``started_at`` wall-clock seconds, ``elapsed_s``):
the server sees each request a little after it was sent, so every bound below
gives the target ``tolerance_s`` of benefit and counts requests that may have
reached the server first (those sent before the answer came back).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from conformance.http.retry import parse_retry_after
from conformance.rules.common import Answer, describe
from conformance.rules.registry import Violation, rule

CITE = "003_09d5ed03fea4db3d.txt Appendix A 'Rate Limiting'"
RETRY_AFTER_CITE = CITE + "; 002_b0b03e2e2867055f.txt 'Rate Limiting' (Retry-After); 000_c3b83b8f370189ea.txt " \
    "'Problem: 429 Too Many Requests response' (retry-after); RFC 9110 section 10.2.3"
PRESENCE = ("required", "optional", "absent")
TOLERANCE_S = 0.05
_DIGITS = re.compile(r"[0-9]+")
_NUMBER_LIKE = re.compile(r"[+-]?[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?")


class Timed(Answer, Protocol):
    """A recorded exchange with its client-side timing (conformance.http.record.Exchange fits)."""

    @property
    def started_at(self) -> float: ...
    @property
    def elapsed_s(self) -> float: ...


T = TypeVar("T", bound=Timed)


@dataclass(frozen=True)
class Limits:
    """The documented limit from a profile's [ratelimit] section."""

    requests: int
    per_seconds: float
    burst: int = 0
    retry_after: str = "optional"

    @classmethod
    def from_profile(cls, section: Mapping[str, Any]) -> Limits:
        presence = str(section.get("retry_after", "optional"))
        if presence not in PRESENCE:
            raise ValueError(f"[ratelimit] retry_after must be one of {', '.join(PRESENCE)}; got {presence!r}")
        return cls(requests=int(section["requests"]), per_seconds=float(section.get("per_seconds", 1.0)),
                   burst=int(section.get("burst", 0)), retry_after=presence)

    @property
    def capacity(self) -> int:
        """Requests a full bucket admits at once: the rate's allowance plus the burst."""
        return self.requests + self.burst

    @property
    def rate(self) -> float:
        """Tokens added per second."""
        return self.requests / self.per_seconds

    @property
    def refill_s(self) -> float:
        """Seconds an empty bucket takes to fill up again."""
        return self.capacity / self.rate

    def allowance(self, elapsed_s: float) -> float:
        """The most requests a bucket that starts full admits within `elapsed_s` seconds."""
        return self.capacity + self.rate * max(0.0, elapsed_s)


# ---- evidence helpers ------------------------------------------------------------------------------


def in_order(exchanges: Sequence[T]) -> list[T]:
    """The exchanges in the order they were sent."""
    return sorted(exchanges, key=lambda ex: ex.started_at)


def limited(exchanges: Sequence[T], status: int = 429) -> list[T]:
    return [ex for ex in exchanges if ex.status == status]


def received_at(ex: Timed) -> float:
    return ex.started_at + ex.elapsed_s


def latest_arrival(ex: Timed, arrival_s: float | None = None) -> float:
    """The latest moment `ex` can have reached the server: when its answer came back, or, given the
    target's measured round trip `arrival_s`, that long after it was sent if the answer came later
    (an answer held back - queued instead of refused - does not move the request's arrival)."""
    if arrival_s is None:
        return received_at(ex)
    return ex.started_at + min(ex.elapsed_s, arrival_s)


def overran(burst: Sequence[Timed], limits: Limits, tolerance_s: float = TOLERANCE_S,
            arrival_s: float | None = None) -> bool:
    """True when, at some moment of the burst, more requests had reached the server than the documented
    allowance admits from the first request's start to that moment (plus `tolerance_s`).

    A request counts as arrived at `latest_arrival`: when its answer came back, or at most `arrival_s`
    (the measured round trip) after it was sent. A slower burst proves nothing about enforcement.
    """
    return overrun_at(burst, limits, tolerance_s, arrival_s) is not None


def overrun_at(burst: Sequence[Timed], limits: Limits, tolerance_s: float = TOLERANCE_S,
               arrival_s: float | None = None) -> tuple[int, float] | None:
    """(requests arrived, seconds into the burst) where the burst most exceeded the allowance; None when
    it never did (see `overran`)."""
    if not burst:
        return None
    start = min(ex.started_at for ex in burst)
    arrivals = sorted(latest_arrival(ex, arrival_s) for ex in burst)
    worst: tuple[float, int, float] | None = None
    for count, at in enumerate(arrivals, 1):
        excess = count - limits.allowance(at - start + tolerance_s)
        if excess > 0 and (worst is None or excess > worst[0]):
            worst = (excess, count, at - start)
    return None if worst is None else (worst[1], worst[2])


def seen_before(ex: Timed, burst: Sequence[Timed]) -> int:
    """How many other requests of the burst may have reached the server before `ex` did.

    Every request sent before `ex` was answered could have; with one sender this is
    simply the number sent before it.
    """
    answered = received_at(ex)
    return sum(1 for other in burst if other is not ex and other.started_at < answered)


def retry_after_problem(value: str | None) -> str | None:
    """Why a Retry-After value is not delay-seconds (1*DIGIT) or an HTTP-date; None when it is."""
    if value is None:
        return "no Retry-After header"
    text = value.strip()
    if _DIGITS.fullmatch(text):
        return None
    if _NUMBER_LIKE.fullmatch(text) or parse_retry_after(text, now=0.0) is None:
        return f"Retry-After {value!r} is neither delay-seconds (a non-negative integer) nor an HTTP-date"
    return None


def advised_wait(ex: Timed, limits: Limits) -> float:
    """Seconds from the 429's arrival that it asks the client to wait.

    A valid Retry-After (an HTTP-date is read against the time the 429 arrived); without
    one, one documented window (`per_seconds`).
    """
    value = ex.response_headers.get("retry-after")
    if retry_after_problem(value) is not None:
        return limits.per_seconds
    advised = parse_retry_after(value, now=received_at(ex))
    return limits.per_seconds if advised is None else advised


# ---- rules ------------------------------------------------------------------------------------------


@rule("ratelimit.enforced", cites=CITE,
      summary="a burst faster than the documented rate and burst allowance is answered 429 before it ends")
def enforced(burst: Sequence[Timed], limits: Limits, limited_status: int = 429,
             tolerance_s: float = TOLERANCE_S, arrival_s: float | None = None) -> None:
    """Fails when no request of a burst that overran the allowance was limited.

    The caller checks `overran` first: a burst that stayed within the allowance is no
    evidence either way, and passing one here is a ValueError.
    """
    if limited(burst, limited_status):
        return
    point = overrun_at(burst, limits, tolerance_s, arrival_s)
    if point is None:
        raise ValueError("the burst stayed within the documented allowance; it cannot show enforcement")
    count, span = point
    raise Violation(f"{count} requests reached the target within {span:.2f} s of the burst's start; all "
                    f"{len(burst)} requests were admitted (none answered {limited_status}); "
                    f"the documented limit admits at most {limits.allowance(span):.0f} "
                    f"({limits.requests} per {limits.per_seconds:g} s plus a burst of {limits.burst})")


@rule("ratelimit.allows-documented-burst", cites=CITE,
      summary="no 429 within the first window before requests + burst requests have been sent")
def allows_documented_burst(burst: Sequence[Timed], limits: Limits, limited_status: int = 429,
                            tolerance_s: float = TOLERANCE_S) -> None:
    """Fails on a 429 sent within the first `per_seconds` (less `tolerance_s`) of a burst that
    started with a full allowance, when fewer than ``requests + burst`` requests could have
    reached the server before it.

    Only the first window is judged: after it, fixed-window, sliding-window and
    token-bucket readings of the contract disagree on what must still be admitted.
    """
    ordered = in_order(burst)
    if not ordered:
        return
    start = ordered[0].started_at
    for ex in limited(ordered, limited_status):
        at = ex.started_at - start
        before = seen_before(ex, ordered)
        if at < limits.per_seconds - tolerance_s and before < limits.capacity:
            raise Violation(f"{describe(ex)} {at:.3f} s into a burst after at most {before} requests; "
                            f"the contract allows {limits.capacity} ({limits.requests} per "
                            f"{limits.per_seconds:g} s plus a burst of {limits.burst}) in the first window")


@rule("ratelimit.retry-after-valid", cites=RETRY_AFTER_CITE,
      summary="a 429 carries Retry-After as the profile says (required, optional or absent), "
              "as delay-seconds or an HTTP-date")
def retry_after_valid(answers: Sequence[Answer], presence: str) -> None:
    """`answers` are 429s; `presence` is the profile's [ratelimit] retry_after."""
    if presence not in PRESENCE:
        raise ValueError(f"presence must be one of {', '.join(PRESENCE)}; got {presence!r}")
    for ex in answers:
        value = ex.response_headers.get("retry-after")
        if presence == "absent":
            if value is not None:
                raise Violation(f"{describe(ex)} with Retry-After {value!r}; the profile says a 429 carries none")
            continue
        if value is None and presence == "optional":
            continue
        problem = retry_after_problem(value)
        if problem is not None:
            raise Violation(f"{describe(ex)}: {problem} (the profile says Retry-After is {presence})")


@rule("ratelimit.recovers-after-wait", cites=CITE,
      summary="after waiting what Retry-After says (one window when it says nothing) a request succeeds again")
def recovers_after_wait(limited_answer: Timed, follow_up: Timed, limits: Limits,
                        tolerance_s: float = 0.01) -> None:
    """`follow_up` was sent at least `advised_wait(limited_answer)` after the 429 arrived.

    A follow-up sent sooner is no evidence, and passing one is a ValueError.
    """
    wait = advised_wait(limited_answer, limits)
    waited = follow_up.started_at - received_at(limited_answer)
    if waited < wait - tolerance_s:
        raise ValueError(f"the follow-up came {waited:.2f} s after the 429, before the advised {wait:.2f} s")
    code = follow_up.status
    if code is None or not 200 <= code < 300:
        raise Violation(f"{describe(follow_up)} {waited:.2f} s after a 429 that asked for {wait:.2f} s "
                        f"(Retry-After {limited_answer.response_headers.get('retry-after')!r})")


# ---- fixed windows per client and endpoint (seed 002 'Rate Limiting') ----
WINDOWS_CITE = "002_b0b03e2e2867055f.txt 'Rate Limiting'; 000_c3b83b8f370189ea.txt 'Problem: 429 Too Many " \
    "Requests response' (200 per minute per token)"


@dataclass(frozen=True)
class Window:
    """One documented period with its own count: ``limit`` requests per ``seconds``, named ``period``."""

    period: str
    seconds: float
    limit: int

    @classmethod
    def all_from(cls, section: Mapping[str, Any]) -> list[Window]:
        return [cls(str(w["period"]), float(w["seconds"]), int(w["limit"])) for w in section.get("windows", ())]


@rule("ratelimit.windows-enforced", cites=WINDOWS_CITE + " ('if either of them reaches the threshold then you "
      "request will be rejected')",
      summary="each window refuses the request after its threshold with 429, and none before it")
def windows_enforced(window: Window, answers: Sequence[Answer], counted_before: int = 0,
                     limited_status: int = 429, *, concurrent: bool = False) -> None:
    """``answers`` in the order sent; sent ``concurrent``ly their order at the target is unknown, so only their
    counts are judged: exactly the requests left under the threshold admitted, the rest refused."""
    allowed = window.limit - counted_before
    statuses = [ex.status for ex in answers]
    limited = [i for i, status in enumerate(statuses) if status == limited_status]
    if not limited:
        raise Violation(f"{len(answers)} requests in one {window.period} window ({counted_before} counted before; "
                        f"threshold {window.limit}) met no {limited_status}")
    wrong = [describe(ex) for ex in answers if ex.status != limited_status
             and (ex.status is None or not 200 <= ex.status < 300)]
    if wrong:
        raise Violation(f"requests within the {window.period} threshold failed: {'; '.join(wrong[:3])}")
    first = len(answers) - len(limited) if concurrent else limited[0]
    if first < allowed:
        raise Violation(f"request {counted_before + first + 1} in one {window.period} window was refused; the "
                        f"threshold is {window.limit}; {describe(answers[limited[0]])}")
    if first > allowed:
        raise Violation(f"requests beyond the {window.period} threshold of {window.limit} were admitted "
                        f"({counted_before + first} admitted in one window)")


@rule("ratelimit.reason-names-window", cites=WINDOWS_CITE + " ('HTTP status code reason will be set according to "
      "the time period that reached the threshold')",
      summary="a 429's reason phrase names the window that tripped and its threshold (the wording is not compared)")
def reason_names_window(window: Window, limited_answer: Answer) -> None:
    reason = str(getattr(limited_answer, "reason", "") or "")
    numbers = _DIGITS.findall(reason)
    if window.period.lower() not in reason.lower() or str(window.limit) not in numbers:
        raise Violation(f"the reason phrase {reason!r} does not name the {window.period} window and its "
                        f"threshold {window.limit}; {describe(limited_answer)}")


@rule("ratelimit.retry-after-sufficient", cites=WINDOWS_CITE + " ('the number of seconds left before your count "
      "will be reset')",
      summary="after waiting the Retry-After a 429 gave, the same endpoint answers again")
def retry_after_sufficient(window: Window, limited_answer: Answer, follow_up: Answer, waited_s: float) -> None:
    if follow_up.status is None or not 200 <= follow_up.status < 300:
        raise Violation(f"after waiting the {waited_s:g} s Retry-After of a {window.period} 429 the endpoint still "
                        f"refused; {describe(follow_up)}")


@rule("ratelimit.per-endpoint", cites=WINDOWS_CITE + " ('If you hit from the same IP another endpoint, then that IP "
      "and endpoint combination will have its own throttle count')",
      summary="while one endpoint is refused with 429, another endpoint still answers")
def per_endpoint(limited_answer: Answer, other: Answer, limited_status: int = 429) -> None:
    if limited_answer.status != limited_status:
        raise Violation(f"the first endpoint was not limited; {describe(limited_answer)}")
    if other.status is None or not 200 <= other.status < 300:
        raise Violation(f"another endpoint was refused while the first was limited; {describe(other)}")


REMAINING_CITE = ("000_c3b83b8f370189ea.txt 'Problem: 429 Too Many Requests response' ('limited to 200 per minute "
                  "per request token. Your remaining requests within that limit are provided in a response header "
                  "named x-ratelimit-remaining')")


def remaining(ex: Answer, header: str) -> int | None:
    """The requests left that an answer states (a non-negative integer), None when absent or malformed."""
    value = ex.response_headers.get(header.lower(), ex.response_headers.get(header, ""))
    text = str(value).strip()
    return int(text) if text.isdigit() else None


def _stated(answers: Sequence[Answer], header: str) -> list[tuple[Answer, int]]:
    stated: list[tuple[Answer, int]] = []
    for ex in answers:
        value = remaining(ex, header)
        if value is None:
            raise Violation(f"no well-formed {header} (a non-negative integer): "
                            f"{ex.response_headers.get(header.lower())!r}; {describe(ex)}")
        stated.append((ex, value))
    return stated


@rule("ratelimit.remaining-decreases", cites=REMAINING_CITE,
      summary="every answer states the requests left, and each request within one window leaves fewer")
def remaining_decreases(answers: Sequence[Answer], header: str, limit: int) -> None:
    """``answers`` to requests sent one after another with one token. A value back up at the limit less one is a
    new window (the count restarts); any other rise, or a value that does not fall, breaks the rule."""
    stated = _stated(answers, header)
    if len(stated) < 2:
        raise RuntimeError(f"{len(stated)} answers cannot show {header} decreasing")
    for (_, was), (ex, now) in itertools.pairwise(stated):
        if now >= was and not (now == limit - 1 and was < now):
            raise Violation(f"{header} went from {was} to {now} from one request to the next within a window; "
                            f"{describe(ex)}")


@rule("ratelimit.refused-at-zero", cites=REMAINING_CITE + "; 'If you exhaust your request allowance, you will "
      "receive a 429 Too Many Requests response'",
      summary="the request after an answer stating 0 left is refused with 429, and none is refused before it")
def refused_at_zero(answers: Sequence[Answer], header: str, limited_status: int = 429) -> None:
    """``answers`` in the order sent, one at a time, with one token, until the first refusal."""
    previous: int | None = None
    for ex in answers:
        if ex.status == limited_status:
            if previous is None:
                raise RuntimeError(f"the first answer was already a {limited_status}: no count was seen")
            if previous != 0:
                raise Violation(f"refused with {limited_status} while the answer before stated {previous} "
                                f"requests left; {describe(ex)}")
            return
        if previous == 0:
            raise Violation(f"served after an answer stated 0 requests left (no {limited_status}); {describe(ex)}")
        value = remaining(ex, header)
        if value is None:
            raise Violation(f"no well-formed {header}; {describe(ex)}")
        previous = value
    raise Violation(f"{len(answers)} requests met no {limited_status}; the last stated {previous} left")


@rule("ratelimit.remaining-resets", cites=REMAINING_CITE + " ('within that limit': the count restarts each minute)",
      summary="once the window a 429 named is over, a request is served and states the whole limit less one")
def remaining_resets(follow_up: Answer, header: str, limit: int) -> None:
    if follow_up.status is None or not 200 <= follow_up.status < 300:
        raise Violation(f"after the window reset the request was not served; {describe(follow_up)}")
    value = remaining(follow_up, header)
    if value != limit - 1:
        raise Violation(f"the first request of a new window states {header} {value!r}; a new window of {limit} "
                        f"leaves {limit - 1}; {describe(follow_up)}")


@rule("ratelimit.per-token", cites=REMAINING_CITE + " ('per request token')",
      summary="while one token is refused with 429, another token of the account is served with its own count")
def per_token(limited_answer: Answer, other: Answer, header: str, limit: int, limited_status: int = 429) -> None:
    if limited_answer.status != limited_status:
        raise Violation(f"the first token was not limited; {describe(limited_answer)}")
    if other.status is None or not 200 <= other.status < 300:
        raise Violation(f"the second token was refused while the first was limited: one count for both; "
                        f"{describe(other)}")
    value = remaining(other, header)
    if value is None or value == 0:
        raise Violation(f"the second token's answer states {header} {value!r} while the first token's count is "
                        f"spent: one count for both; {describe(other)}")


AS_LIMITS = ("VENDOR-FACTS Assignr 'Rate limits' (X-Ratelimit-Limit, -Period, -Remaining, -Reset, "
             "-Reset-Seconds-Remaining, 'describing whichever rule has the fewest requests left'); "
             "004_3a3088db9d5a175f.txt '429 Too Many Requests'")
RESET, RESET_LEFT, LIMIT, PERIOD = ("X-Ratelimit-Reset", "X-Ratelimit-Reset-Seconds-Remaining", "X-Ratelimit-Limit",
                                   "X-Ratelimit-Period")
CLOCK_SLACK_S = 2


def _int_header(ex: Answer, name: str) -> int:
    value = remaining(ex, name)
    if value is None:
        raise Violation(f"no well-formed {name} (a non-negative integer): "
                        f"{ex.response_headers.get(name.lower())!r}; {describe(ex)}")
    return value


@rule("ratelimit.reset-consistent", cites=AS_LIMITS,
      summary="X-Ratelimit-Reset (epoch seconds) and -Reset-Seconds-Remaining agree, within the window's period")
def reset_consistent(answers: Sequence[Timed]) -> None:
    """``answers`` sent one after another: each states both, the seconds left are within the period it names,
    and the target's now (Reset less the seconds left) moves with the time that passed between them."""
    previous: tuple[int, float] | None = None
    for ex in answers:
        reset, left, period = _int_header(ex, RESET), _int_header(ex, RESET_LEFT), _int_header(ex, PERIOD)
        if left > period:
            raise Violation(f"{RESET_LEFT} {left} is longer than the {period} s window it describes; {describe(ex)}")
        now = reset - left
        if previous is not None:
            moved, waited = now - previous[0], ex.started_at + ex.elapsed_s - previous[1]
            if not -CLOCK_SLACK_S <= moved <= waited + CLOCK_SLACK_S:
                raise Violation(f"{RESET} less {RESET_LEFT} moved {moved} s between two answers {waited:.1f} s "
                                f"apart: they do not describe one clock; {describe(ex)}")
        previous = (now, ex.started_at + ex.elapsed_s)


@rule("ratelimit.fewest-left-described", cites=AS_LIMITS,
      summary="the rate-limit headers describe the window with the fewest requests left (its limit and period)")
def fewest_left_described(answer: Answer, windows: Sequence[Window], counted: Mapping[str, int]) -> None:
    """``counted``: requests each window (by period name) has counted, this one included, as the test knows them."""
    wanted = min(windows, key=lambda w: (w.limit - counted.get(w.period, 0), w.seconds))
    limit, period = _int_header(answer, LIMIT), _int_header(answer, PERIOD)
    if (limit, period) != (wanted.limit, int(wanted.seconds)):
        raise Violation(f"the headers describe {limit} per {period} s; the {wanted.period} window "
                        f"({wanted.limit} per {wanted.seconds:g} s) has the fewest requests left "
                        f"({wanted.limit - counted.get(wanted.period, 0)}); {describe(answer)}")
