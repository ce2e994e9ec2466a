"""Play-by-play of the synthetic games, in the shape ``playbyplayv3`` answers.

What it models: a game as the real feed logs it, action by action, with the habits of the
recorded answer of game 0022200552: period start and end rows carrying the score, a jump
ball opening the first period and each overtime, possessions alternating between the
teams (made shots, misses with their blocks and rebounds, free-throw trips after a foul,
turnovers with their steals), substitutions at dead balls, timeouts, now and then a
technical. The clock counts an ISO-8601 duration down (``PT07M30.00S``; tenths in the last
minute), 12 minutes a period, 5 an overtime. The score is a string, filled only where it
changes and on the period rows, ``pointsTotal`` then the sum of both (as recorded: the
game's total, not the scorer's). A steal or a block reuses the number of the turnover or
miss it belongs to, so ``actionNumber`` repeats and now and then runs backwards, while
``actionId`` counts the rows 1, 2, 3... Team events (timeouts, team rebounds, team
technicals) carry teamId 0 and the team's id in ``personId``. ``location`` is "h" for the
box score's home team (``Game.home_id``: the team the game logs mark "vs.", whatever
``redesignate`` does to the schedule), "v" for the visitors, "" on the period rows.

Why it agrees with the box score: nothing is drawn that the box score does not hold.
Every line becomes exactly its events (FGM made shots of which FG3M threes, FGA - FGM
misses, FTA free throws of which FTM go in, TOV turnovers) and the roles other players'
events need (OREB and DREB rebounds, AST assists, STL steals, BLK blocks, PF fouls). Each
miss is labelled up front with who rebounds it: its team's offensive rebounds and the
opponents' defensive ones while the lines have them, the teams' rebounds after that;
steals, blocks and assists go at the odds of what is left (k of n chances left: k/n), so
their counts come out exact. The fouls are shared between the opponents' free-throw trips
(two shots, three after a foul on a three, an and-one; technicals where the fouls run
short) and the rest. A period's points are those of the shots placed in it, placed so
that the teams are level at the end of regulation and of each overtime but the last
(``Game.overtimes``), as in the simulation that made the box score.

Who is on the court follows the minutes: each period's seconds are laid over the five
places on the floor (the five busiest open and close it, the others play a stint in
between), every event and role gets a moment within its player's stints, and the game
takes, on each possession, what is due first among the players on the court. An action
goes to a player on the bench only when nobody on the court has one left
(``PlayByPlay.off_court``, a few a game); a box-score count no action can carry (more
steals than the opponents' turnovers) is counted in ``PlayByPlay.unplaced``.

Everything derives from ``random.Random(f"pbp-{seed}-{game_id}")`` and the game's current
lines: a game gives the same bytes whatever else was generated, a corrected box score a
play-by-play that follows it. The API has play-by-play from FIRST_SEASON on; the
generator makes one for any game, era rules and all (before 1977-78 the league keeps
steals but no turnovers, which ``unplaced`` then counts).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .league import STAT_FIELDS, Game, SyntheticLeague, split_int, team_by_id

#: The first season stats.nba.com has play-by-play of: ``playbyplayv3`` answers an earlier
#: game with no actions (``play_by_play`` still generates one for it, for what it is worth).
FIRST_SEASON = "1996-97"

#: The keys of one action, in the order the API sends them.
ACTION_KEYS: tuple[str, ...] = (
    "actionNumber", "clock", "period", "teamId", "teamTricode", "personId", "playerName", "playerNameI",
    "xLegacy", "yLegacy", "shotDistance", "shotResult", "isFieldGoal", "scoreHome", "scoreAway",
    "pointsTotal", "location", "description", "actionType", "subType", "videoAvailable", "shotValue",
    "actionId",
)

_I = {name: i for i, name in enumerate(STAT_FIELDS)}
#: Period lengths in tenths of a second.
QUARTER_TENTHS, OVERTIME_TENTHS = 7200, 3000

# Intermediate events, lists [kind, period, t (tenths elapsed in the period), team, person, ...].
(_START, _END, _JUMP, _MADE, _MISS, _BLOCK, _REB, _TEAM_REB, _FOUL, _FT, _TOV, _STEAL, _SUB, _TIMEOUT,
 _TEAM_TECH) = range(15)

# (subType, the description's words): the recorded file's pairs.
_RIM = (
    ("Driving Layup Shot", "Driving Layup"), ("Layup Shot", "Layup"), ("Running Layup Shot", "Running Layup"),
    ("Cutting Layup Shot", "Cutting Layup Shot"), ("Driving Reverse Layup Shot", "Driving Reverse Layup"),
    ("Reverse Layup Shot", "Reverse Layup"), ("Driving Finger Roll Layup Shot", "Driving Finger Roll Layup"),
    ("Alley Oop Layup shot", "Alley Oop Layup"),
)
_DUNKS = (
    ("Driving Dunk Shot", "Driving Dunk"), ("Cutting Dunk Shot", "Cutting Dunk Shot"),
    ("Alley Oop Dunk Shot", "Alley Oop Dunk"), ("Running Dunk Shot", "Running Dunk"),
    ("Reverse Dunk Shot", "Reverse Dunk"),
)
_PUTBACKS = (
    ("Putback Layup Shot", "Putback Layup"), ("Putback Dunk Shot", "Putback Dunk"),
    ("Tip Layup Shot", "Tip Layup Shot"), ("Tip Dunk Shot", "Tip Dunk Shot"),
)
_SHORT = (
    ("Driving Floating Jump Shot", "Driving Floating Jump Shot"),
    ("Driving Floating Bank Jump Shot", "Driving Floating Bank Jump Shot"),
    ("Floating Jump shot", "Floating Jump Shot"), ("Hook Shot", "Hook Shot"),
    ("Driving Hook Shot", "Driving Hook Shot"), ("Turnaround Hook Shot", "Turnaround Hook Shot"),
    ("Turnaround Bank shot", "Turnaround Bank Shot"),
)
_MID = (
    ("Jump Shot", "Jump Shot"), ("Pullup Jump shot", "Pullup Jump Shot"), ("Pullup Jump shot", "Pullup Jump Shot"),
    ("Step Back Jump shot", "Step Back Jump Shot"), ("Fadeaway Jump Shot", "Fadeaway Jumper"),
    ("Turnaround Jump Shot", "Turnaround Jump Shot"), ("Turnaround Fadeaway shot", "Turnaround Fadeaway Shot"),
    ("Fadeaway Bank shot", "Fadeaway Bank Shot"),
)
_THREES = (
    ("Jump Shot", "Jump Shot"), ("Jump Shot", "Jump Shot"), ("Jump Shot", "Jump Shot"), ("Jump Shot", "Jump Shot"),
    ("Pullup Jump shot", "Pullup Jump Shot"), ("Step Back Jump shot", "Step Back Jump Shot"),
    ("Running Jump Shot", "Running Jump Shot"), ("Fadeaway Jump Shot", "Fadeaway Jumper"),
)
_THREE_FEET = (24, 24, 25, 25, 25, 26, 26, 26, 27, 27, 28, 29, 30)
# Turnover subTypes with a steal, and without one; the description adds " Turnover" unless there.
_STOLEN = ("Bad Pass", "Bad Pass", "Lost Ball")
_UNFORCED = (
    "Bad Pass", "Bad Pass", "Lost Ball", "Traveling", "Traveling", "Out of Bounds Lost Ball Turnover",
    "Out of Bounds - Bad Pass Turnover", "Step Out of Bounds Turnover", "Discontinued Dribble",
)
# Foul kinds: (subType, the description's code, whether it counts towards the team fouls).
_FOULS = {
    "S": ("Shooting", "S.FOUL", True), "P": ("Personal", "P.FOUL", True),
    "LB": ("Loose Ball", "L.B.FOUL", True), "OFF": ("Offensive", "OFF.Foul", False),
}
_REFEREES = (
    "T.Brothers", "S.Mehta", "J.DeRosa", "S.Foster", "M.Callahan", "T.Ford", "J.Goble", "E.Malloy",
    "K.Scott", "B.Adams", "Z.Zarba", "M.Davis", "J.Capers", "N.Buchert", "C.Kirkland", "D.Guthrie",
)
# actionNumber steps: mostly 1, often 2, now and then more (the recorded file's spread).
_STEPS, _STEP_WEIGHTS = (1, 2, 3, 4, 5, 8), (63, 28, 4, 3, 1, 1)
_ORDINALS = ("1st", "2nd", "3rd", "4th", "5th", "6th")


#: One action as JSON, its values in ACTION_KEYS order: what ``json.dumps(action,
#: separators=(",", ":"), ensure_ascii=False)`` writes, for values that need no escaping
#: (the generator's strings never do: ``_Builder`` checks the names it is given).
_ACTION_JSON = (
    '{"actionNumber":%d,"clock":"%s","period":%d,"teamId":%d,"teamTricode":"%s","personId":%d,'
    '"playerName":"%s","playerNameI":"%s","xLegacy":%d,"yLegacy":%d,"shotDistance":%d,"shotResult":"%s",'
    '"isFieldGoal":%d,"scoreHome":"%s","scoreAway":"%s","pointsTotal":%d,"location":"%s","description":"%s",'
    '"actionType":"%s","subType":"%s","videoAvailable":%d,"shotValue":%d,"actionId":%d}'
)


@dataclass(frozen=True)
class PlayByPlay:
    """A game's actions as ``playbyplayv3`` serves them, with what they add up to.

    ``rows``: each action's values in ACTION_KEYS order (``actions`` has them as dicts,
    ``actions_json()`` as the API's JSON array). ``period_points``: team id -> its points
    in each period, overtimes included (they sum to the box score's points).
    ``off_court``: how many actions went to a player the substitutions had on the bench,
    because nobody on the court had one left to give (a few a game; the box score's
    counts hold regardless). ``unplaced``: the box score's rebounds, assists, steals and
    blocks no action could carry, as a line the game cannot have played out: more steals
    than the opponents' turnovers, say (none in the recent seasons; 0 means every count of
    the box score is in the actions).
    """

    game_id: str
    rows: tuple[tuple[Any, ...], ...]
    period_points: dict[int, list[int]]
    off_court: int = 0
    unplaced: int = 0

    @property
    def n_actions(self) -> int:
        """The number of actions."""
        return len(self.rows)

    @functools.cached_property
    def actions(self) -> list[dict[str, Any]]:
        """The actions as the API's objects, keys in its order."""
        return [dict(zip(ACTION_KEYS, row, strict=True)) for row in self.rows]

    def actions_json(self) -> str:
        """The actions as the API's compact JSON array, without building the objects."""
        return "[" + ",".join([_ACTION_JSON % row for row in self.rows]) + "]"


def play_by_play(league: SyntheticLeague, game: Game) -> PlayByPlay:
    """Generate a game's play-by-play from its current box score (see the module docstring)."""
    return _Builder(league, game).build()


def clock(remaining_tenths: int) -> str:
    """'PT07M30.00S' for 4,500 tenths left; tenths show in the last minute ('PT00M08.20S')."""
    minutes, tenths = divmod(remaining_tenths, 600)
    return f"PT{minutes:02d}M{tenths // 10:02d}.{tenths % 10}0S"


_CLOCKS = tuple(clock(t) for t in range(QUARTER_TENTHS + 1))


def _period_name(period: int) -> str:
    """'1st Period' .. '4th Period', then '1st OT', '2nd OT', ..."""
    return f"{_ORDINALS[period - 1]} Period" if period <= 4 else f"{_ORDINALS[period - 5]} OT"


def _fit(want: list[float], lo: list[int], hi: list[int], total: int) -> list[int] | None:
    """Integers near ``want`` within [lo, hi] summing to ``total`` (None if no such thing)."""
    if any(a > b for a, b in zip(lo, hi, strict=True)) or not sum(lo) <= total <= sum(hi):
        return None
    vals = [min(max(int(w + 0.5), a), b) for w, a, b in zip(want, lo, hi, strict=True)]
    diff = total - sum(vals)
    while diff:
        sign = 1 if diff > 0 else -1
        room = [(b - v) if sign > 0 else (v - a) for v, a, b in zip(vals, lo, hi, strict=True)]
        movable = [i for i, r in enumerate(room) if r > 0]
        if not movable:
            return None
        share = max(1, abs(diff) // len(movable))
        for i in movable:
            step = min(room[i], share, abs(diff))
            vals[i] += sign * step
            diff -= sign * step
            if not diff:
                break
    return vals


def _reachable(counts: dict[int, int], target: int) -> bool:
    """Whether units worth 1-4 points, ``counts`` of each, can add up to exactly ``target``."""
    if target == 0:
        return True
    c1, c2, c3, c4 = counts[1], counts[2], counts[3], counts[4]
    for a4 in range(min(c4, target // 4) + 1):
        left4 = target - 4 * a4
        for a3 in range(min(c3, left4 // 3) + 1):
            rest = left4 - 3 * a3
            ones = max(0, rest - 2 * c2)
            if (rest - ones) % 2:
                ones += 1
            if ones <= c1 and ones <= rest:
                return True
    return False


def _points(item: list[Any]) -> int:
    """Points of an item: a made shot (and its and-one), a trip's made shots, a technical."""
    kind, value, extra = item[0], item[2], item[3]
    if kind == "M":
        return int(value) + (1 if extra else 0)
    if kind == "F":
        return sum(extra)
    if kind == "Q":
        return 1 if extra else 0
    return 0


def _needs_foul(item: list[Any]) -> bool:
    """Whether an item sends its player to the line after an opponent's foul."""
    return item[0] == "F" or (item[0] == "M" and item[3] is not None)


def _rebound_chance(item: list[Any]) -> bool:
    """Whether the ball is live after the item: a miss, or a missed last free throw."""
    kind, extra = item[0], item[3]
    return kind == "X" or (kind == "F" and not extra[-1]) or (kind == "M" and extra is False)


def _below(rng: random.Random, n: int) -> int:
    """A uniform int in [0, n): ``randrange`` without its checks (this runs ~10^3 times a game)."""
    return int(rng.random() * n)


def _moment(rng: random.Random, stints: list[tuple[int, int]], total: int = 0) -> int:
    """A uniform moment (tenths, game time) within ``stints``, as a due key: the end of its
    stint (the deadline: the player leaves the court then) << 16 | the moment itself.
    Keys order by deadline first, so that whoever must act before leaving goes first."""
    u = rng.random() * (total or sum(end - start for start, end in stints))
    for start, end in stints:
        if u < end - start:
            return end << 16 | (start + int(u))
        u -= end - start
    start, end = stints[-1]
    return end << 16 | (end - 1)


_MOMENT = (1 << 16) - 1  # key & _MOMENT: the moment of a due key (game time < 65,536 tenths)
#: The box-score stats that are roles in other players' actions.
_ROLES = ("OREB", "DREB", "AST", "STL", "BLK", "PF")


class _Builder:
    """One game's generation, step by step (see the module docstring).

    Times are tenths of a second: ``t`` within a period (elapsed), "game time" from the
    opening tip (``offsets[period] + t``)."""

    def __init__(self, league: SyntheticLeague, game: Game) -> None:
        self.rng = random.Random(f"pbp-{league.seed}-{game.game_id}")
        self.game = game
        self.home, self.away = game.home_id, game.away_id
        self.opponent = {self.home: self.away, self.away: self.home}
        self.lengths = [QUARTER_TENTHS] * 4 + [OVERTIME_TENTHS] * game.overtimes
        self.periods = len(self.lengths)
        self.offsets = [sum(self.lengths[:p]) for p in range(self.periods)]
        self.team_of: dict[int, int] = {}
        self.stats: dict[int, list[int]] = {}
        self.roster: dict[int, list[int]] = {}
        self.last: dict[int, str] = {}
        self.initial: dict[int, str] = {}
        for tid in (self.home, self.away):
            self.roster[tid] = []
            for line in game.lines[tid]:
                pid = line.player_id
                self.team_of[pid], self.stats[pid] = tid, list(line.stats)
                self.roster[tid].append(pid)
                name = league.player(pid).name
                if any(c in name for c in '"\\') or not name.isprintable():
                    raise ValueError(f"player name {name!r} would need escaping in JSON (see _ACTION_JSON)")
                first, _, last = name.partition(" ")
                self.last[pid], self.initial[pid] = last, f"{first[:1]}. {last}"
        self.events: list[list[Any]] = []
        self.off_court = 0
        self.opening = self.home  # who won the opening tip (set by the first period)
        self.trip_fouls: dict[int, int] = {}  # team -> fouls its free-throw trips take from the opponents
        self.spare_by_period: dict[int, list[int]] = {}  # team -> its other fouls, per period
        self.spare_carry = {self.home: 0, self.away: 0}  # spare fouls a period could not place
        self.debts: dict[tuple[str, int], int] = {}  # rebounds given to a team for want of a player

    def build(self) -> PlayByPlay:
        """Minutes and lineups, bags, periods, the game period by period, then the rows."""
        rng = self.rng
        self.seconds = {tid: self._minutes(tid) for tid in (self.home, self.away)}
        self.lineups = {tid: [self.lineup(self.seconds[tid][p], self.lengths[p] // 10) for p in range(self.periods)]
                        for tid in (self.home, self.away)}
        self.stints: dict[int, list[list[tuple[int, int]]]] = {pid: [[] for _ in self.lengths] for pid in self.stats}
        for tid in (self.home, self.away):
            for p, (_, _, stints) in enumerate(self.lineups[tid]):
                for pid, spans in stints.items():
                    self.stints[pid][p] = [(self.offsets[p] + a, self.offsets[p] + b) for a, b in spans]
        self.bags = {tid: self._items(tid) for tid in (self.home, self.away)}
        self._label_rebounds()
        self._place_items()
        self._budgets()
        self.referees = rng.sample(_REFEREES, 3)
        for period in range(self.periods):
            _Period(self, period).play()
        self._settle_rebounds()
        self._settle_assists()
        unplaced = sum(len(m) for stat in ("OREB", "DREB", "AST", "STL", "BLK") for m in self.units[stat].values())
        rows, period_points = self._render()
        return PlayByPlay(self.game.game_id, rows, period_points, self.off_court, unplaced)

    def on_court(self, pid: int, periods: Iterable[int] | None = None) -> list[tuple[int, int]]:
        """A player's stints (game time) in ``periods`` (all by default); the periods
        themselves for one who has none there (a line without minutes)."""
        chosen = range(self.periods) if periods is None else periods
        stints = [span for p in chosen for span in self.stints[pid][p]]
        return stints or [(self.offsets[p], self.offsets[p] + self.lengths[p]) for p in chosen]

    def _segments(self, tid: int) -> list[tuple[int, int, frozenset[int]]]:
        """The team's lineups over the game: (start, end, the five on the court), game time."""
        out = []
        for p in range(self.periods):
            starters, changes, _ = self.lineups[tid][p]
            on, t0, off, i = set(starters), 0, self.offsets[p], 0
            while i < len(changes):
                at = changes[i][0]
                if at > t0:
                    out.append((off + t0, off + at, frozenset(on)))
                    t0 = at
                outs, ins = set(), set()
                while i < len(changes) and changes[i][0] == at:
                    outs.add(changes[i][1])
                    ins.add(changes[i][2])
                    i += 1
                on = (on - outs) | ins
            out.append((off + t0, off + self.lengths[p], frozenset(on)))
        return out

    def _item_moments(self, tid: int) -> dict[int, tuple[list[float], list[tuple[int, int, int]]]]:
        """For each player, the stretches he is on the court (start, end, end of his stint)
        and their cumulative weights: length / the items per tenth of the five on the court,
        so that a lineup of busy players has its items no closer together than any other
        (possessions come at an even pace, whoever is on the court)."""
        counts = Counter(item[1] for item in self.bags[tid])
        stints = {pid: sorted(self.on_court(pid)) for pid in self.roster[tid]}
        starts = {pid: [a for a, _ in spans] for pid, spans in stints.items()}
        rate = {pid: counts[pid] / max(1, sum(b - a for a, b in stints[pid])) for pid in self.roster[tid]}
        out: dict[int, tuple[list[float], list[tuple[int, int, int]]]] = {pid: ([], []) for pid in self.roster[tid]}
        for start, end, on in self._segments(tid):
            weight = (end - start) / (sum(rate[pid] for pid in on) or 1.0)
            for pid in on:
                cum, spans = out[pid]
                k = bisect.bisect_right(starts[pid], start) - 1
                deadline = stints[pid][k][1] if k >= 0 and stints[pid][k][1] >= end else end
                cum.append((cum[-1] if cum else 0.0) + weight)
                spans.append((start, end, deadline))
        return out

    def period_at(self, moment: int) -> int:
        """The period a game time falls in."""
        return bisect.bisect_right(self.offsets, moment) - 1

    # ---- minutes ---------------------------------------------------------------------
    def _minutes(self, tid: int) -> list[dict[int, int]]:
        """Each player's seconds on the court in each period: MIN spread over the periods,
        overtimes to the first eight (who alone played them), five players at every moment."""
        ids = self.roster[tid]
        length = [t // 10 for t in self.lengths]
        game_seconds = sum(length)
        secs = [60 * self.stats[pid][_I["MIN"]] for pid in ids]
        if sum(secs) != 5 * game_seconds or max(secs) > game_seconds:  # not a simulated line: spread evenly
            secs = split_int(5 * game_seconds, [1.0] * len(ids))
        for eligible in (lambda p: ids[:8] if p >= 4 else ids, lambda p: ids):
            plan = self._spread_minutes(ids, secs, length, eligible)
            if plan is not None:
                return plan
        raise AssertionError("minutes cannot be spread")  # every player everywhere always fits

    def _spread_minutes(self, ids: list[int], secs: list[int], length: list[int],
                        eligible: Any) -> list[dict[int, int]] | None:
        """Period by period (overtimes first), each player his share of what he has left,
        within what the period and the later ones can still hold for him."""
        rng = self.rng
        rem = dict(zip(ids, secs, strict=True))
        plan: list[dict[int, int]] = [{} for _ in length]
        order = list(range(4, len(length))) + [0, 1, 2, 3]
        for step, p in enumerate(order):
            later = order[step + 1:]
            players = eligible(p)
            lo, hi, want = [], [], []
            for pid in players:
                rest = sum(length[q] for q in later if pid in eligible(q))
                left = rem[pid]
                lo.append(max(0, left - rest))
                hi.append(min(length[p], left))
                share = length[p] / (length[p] + rest) if rest else 1.0
                want.append(left * share * ((0.8 + 0.4 * rng.random()) if rest else 1.0))
            vals = _fit(want, lo, hi, 5 * length[p])
            if vals is None:
                return None
            for pid, v in zip(players, vals, strict=True):
                if v:
                    plan[p][pid] = v
                    rem[pid] -= v
        return plan if not any(rem.values()) else None

    def lineup(self, secs: dict[int, int],
               length: int) -> tuple[list[int], list[tuple[int, int, int]], dict[int, list[tuple[int, int]]]]:
        """The five who start a period, the substitutions (tenths, out, in) that give everyone
        his seconds, and each player's stints (tenths). The period's five busiest start it and
        finish it (on each other's spot), the others play one stint each in between; where
        that cannot fit, the seconds are laid end to end over the five spots (McNaughton)."""
        players = sorted((pid for pid in secs if secs[pid] > 0), key=lambda pid: -secs[pid])
        slots = self._start_and_close(players, secs, length) or self._wrap_around(players, secs, length)
        changes: list[tuple[int, int, int]] = []
        stints: dict[int, list[tuple[int, int]]] = {}
        for seq in slots:
            t = 0
            for k, (pid, seconds) in enumerate(seq):
                stints.setdefault(pid, []).append((10 * t, 10 * (t + seconds)))
                t += seconds
                if k + 1 < len(seq):
                    changes.append((10 * t, pid, seq[k + 1][0]))
        changes.sort()
        return [seq[0][0] for seq in slots], changes, stints

    def _start_and_close(self, players: list[int], secs: dict[int, int],
                         length: int) -> list[list[tuple[int, int]]] | None:
        """Five spots, the k-th opened by starter k and closed by starter k+1, the bench in between."""
        starters, bench = players[:5], players[5:]
        a = [secs[s] for s in starters]
        groups: list[list[int]] = [[] for _ in range(5)]
        filled = [0] * 5
        for pid in bench:
            k = max(range(5), key=lambda k: length - a[k] - filled[k])
            groups[k].append(pid)
            filled[k] += secs[pid]
        c = [0] * 6
        for k in range(5):
            c[k + 1] = c[k] + a[k] + filled[k] - length
        lo, hi = max(-a[k] - c[k] for k in range(5)), min(-c[k] for k in range(5))
        if lo > hi:
            return None
        p0 = lo + _below(self.rng, hi - lo + 1)
        slots = []
        for k in range(5):
            seq = []
            if p0 + c[k] + a[k] > 0:
                seq.append((starters[k], p0 + c[k] + a[k]))
            self.rng.shuffle(groups[k])
            seq.extend((pid, secs[pid]) for pid in groups[k])
            if p0 + c[k + 1] < 0:
                seq.append((starters[(k + 1) % 5], -(p0 + c[k + 1])))
            slots.append(seq)
        return slots

    @staticmethod
    def _wrap_around(players: list[int], secs: dict[int, int], length: int) -> list[list[tuple[int, int]]]:
        """McNaughton: the seconds end to end, cut into five spots of the period's length."""
        slots: list[list[tuple[int, int]]] = [[] for _ in range(5)]
        k, room = 0, length
        for pid in players:
            left = secs[pid]
            while left > 0:
                take = min(left, room)
                slots[k].append((pid, take))
                left -= take
                room -= take
                if room == 0 and k < 4:
                    k, room = k + 1, length
        return slots

    # ---- the bags of events ----------------------------------------------------------
    def _items(self, tid: int) -> list[list[Any]]:
        """Every event the team's lines hold, as items [kind, player, value, extra, label,
        moment]: "M" made shot (extra: its and-one, None/True/False), "X" miss, "F" free-throw
        trip (value: shots, extra: their results), "Q" technical free throw, "T" turnover."""
        rng = self.rng
        opponents_fouls = sum(self.stats[pid][_I["PF"]] for pid in self.roster[self.opponent[tid]])
        trips = self._trips(tid, opponents_fouls)
        self.trip_fouls[tid] = sum(len(t[0]) + len(t[1]) + t[2] for t in trips.values())
        items: list[list[Any]] = []
        for pid in self.roster[tid]:
            s = self.stats[pid]
            threes, makes = s[_I["FG3M"]], s[_I["FGM"]]
            missed_threes = max(0, s[_I["FG3A"]] - threes)
            misses = max(0, s[_I["FGA"]] - makes)
            made = [["M", pid, 3, None, None, 0] for _ in range(threes)]
            made += [["M", pid, 2, None, None, 0] for _ in range(makes - threes)]
            three_trips, two_trips, and_ones, technicals = trips[pid]
            shots = [True] * s[_I["FTM"]] + [False] * (s[_I["FTA"]] - s[_I["FTM"]])
            rng.shuffle(shots)
            for k in rng.sample(range(len(made)), and_ones):
                made[k][3] = shots.pop()
            for n in three_trips + two_trips:
                items.append(["F", pid, n, tuple(shots.pop() for _ in range(n)), None, 0])
            items.extend(["Q", pid, 0, shots.pop(), None, 0] for _ in range(technicals))
            items.extend(made)
            items.extend(["X", pid, 3, None, None, 0] for _ in range(missed_threes))
            items.extend(["X", pid, 2, None, None, 0] for _ in range(misses - missed_threes))
            items.extend(["T", pid, 0, None, None, 0] for _ in range(s[_I["TOV"]]))
        return items

    def _trips(self, tid: int, fouls: int) -> dict[int, tuple[list[int], list[int], int, int]]:
        """Each player's free throws as trips: player -> (three-shot trips, two-shot trips,
        and-ones, technicals), each trip but a technical after a foul of the opponents. Trips of
        two as a rule, an odd one an and-one (or a trip of three); while the trips need more
        fouls than the opponents committed, fewer and longer trips, then technicals."""
        rng = self.rng
        plan: dict[int, list[int]] = {}  # player -> [threes, twos, and-ones, technicals]
        for pid in self.roster[tid]:
            n, makes = self.stats[pid][_I["FTA"]], self.stats[pid][_I["FGM"]]
            twos, odd = divmod(n, 2)
            row = [0, twos, 0, 0]
            if odd:
                if makes and rng.random() < 0.7:
                    row[2] = 1
                elif twos:
                    row[0], row[1] = 1, twos - 1
                else:
                    row[3] = 1
            plan[pid] = row
        needed = sum(r[0] + r[1] + r[2] for r in plan.values())
        # Each rule saves one foul: 3 twos -> 2 threes; two + and-one -> three; 2 twos -> three
        # + technical; and-one -> technical; two -> 2 technicals; three -> 3 technicals.
        rules = (
            (lambda r: r[1] >= 3, (2, -3, 0, 0)), (lambda r: r[1] >= 1 and r[2] >= 1, (1, -1, -1, 0)),
            (lambda r: r[1] >= 2, (1, -2, 0, 1)), (lambda r: r[2] >= 1, (0, 0, -1, 1)),
            (lambda r: r[1] >= 1, (0, -1, 0, 2)), (lambda r: r[0] >= 1, (-1, 0, 0, 3)),
        )
        while needed > fouls:
            for test, change in rules:
                able = [pid for pid, r in plan.items() if test(r)]
                if able:
                    row = plan[able[_below(rng, len(able))]]
                    for i, d in enumerate(change):
                        row[i] += d
                    needed -= 1
                    break
        return {pid: ([3] * r[0], [2] * r[1], r[2], r[3]) for pid, r in plan.items()}

    def _label_rebounds(self) -> None:
        """Who rebounds each of a team's misses: its players' offensive rebounds ("O") and
        the opponents' defensive ones ("D") as many as the lines hold, the rest the teams'
        ("T", settled per period as offensive or defensive)."""
        for tid in (self.home, self.away):
            chances = [item for item in self.bags[tid] if _rebound_chance(item)]
            self.rng.shuffle(chances)
            offensive = sum(self.stats[pid][_I["OREB"]] for pid in self.roster[tid])
            defensive = sum(self.stats[pid][_I["DREB"]] for pid in self.roster[self.opponent[tid]])
            for k, item in enumerate(chances):
                item[4] = "O" if k < offensive else "D" if k < offensive + defensive else "T"

    # ---- periods ------------------------------------------------------------------------
    def _place_items(self) -> None:
        """Each item a moment while its player is on the court, hence its period; but the
        points go where they leave the teams level at the end of regulation and of each
        overtime but the last."""
        rng = self.rng
        self.period_items: dict[int, list[list[list[Any]]]] = {
            tid: [[] for _ in range(self.periods)] for tid in (self.home, self.away)}
        weighted = {tid: self._item_moments(tid) for tid in (self.home, self.away)}
        overtime = self.periods > 4
        scoring: dict[int, list[list[Any]]] = {tid: [] for tid in (self.home, self.away)}
        for tid in (self.home, self.away):
            for item in self.bags[tid]:
                if overtime and _points(item):
                    scoring[tid].append(item)
                else:
                    item[5] = self._weighted_moment(*weighted[tid][item[1]], item[1])
        if overtime:
            for by_period in self._overtime_points(scoring).values():
                for p, items in by_period.items():
                    for item in items:
                        item[5] = _moment(rng, self.on_court(item[1], [p]))
            regulation = range(4)
            for tid in (self.home, self.away):
                for item in scoring[tid]:  # what the overtimes left: regulation
                    item[5] = _moment(rng, self.on_court(item[1], regulation))
        for tid in (self.home, self.away):
            for item in self.bags[tid]:
                self.period_items[tid][self.period_at(item[5] & _MOMENT)].append(item)

    def _weighted_moment(self, cum: list[float], spans: list[tuple[int, int, int]], pid: int) -> int:
        """A due key (see ``_moment``) drawn from a player's weighted stretches."""
        if not cum:
            return _moment(self.rng, self.on_court(pid))
        k = bisect.bisect_right(cum, self.rng.random() * cum[-1])
        start, end, deadline = spans[min(k, len(spans) - 1)]
        return deadline << 16 | (start + int(self.rng.random() * (end - start)))

    def _overtime_points(self, scoring: dict[int, list[list[Any]]]) -> dict[int, dict[int, list[list[Any]]]]:
        """Scoring items for each overtime, taken out of ``scoring``: the same points for both
        teams in each but the last, and in the last the margin the box score has."""
        rng = self.rng
        total = {tid: sum(_points(i) for i in items) for tid, items in scoring.items()}
        low = self.home if total[self.home] < total[self.away] else self.away
        margin = abs(total[self.home] - total[self.away])
        overtimes = self.periods - 4
        for attempt in range(40):
            if attempt < 30:
                tied = [4 + _below(rng, 11) for _ in range(overtimes - 1)]
                last_low = 3 + _below(rng, 11)
            else:  # scoreless tied overtimes always fit; the last as far as the units allow
                tied, last_low = [0] * (overtimes - 1), attempt - 30
            targets = {tid: [*tied, last_low + (0 if tid == low else margin)] for tid in scoring}
            taken = {tid: self._take_all(tid, scoring[tid], targets[tid]) for tid in scoring}
            if all(v is not None for v in taken.values()):
                out: dict[int, dict[int, list[list[Any]]]] = {}
                for tid, by_period in taken.items():
                    assert by_period is not None
                    chosen = {id(i) for items in by_period.values() for i in items}
                    scoring[tid][:] = [i for i in scoring[tid] if id(i) not in chosen]
                    out[tid] = by_period
                return out
        # The units cannot level the score (a freak line): the overtimes get none, regulation all.
        return {}

    def _take_all(self, tid: int, items: list[list[Any]], targets: list[int]) -> dict[int, list[list[Any]]] | None:
        """Items worth exactly ``targets[k]`` for overtime k each (period 4 + k), preferring
        the players who play it; None if the units cannot make one of the targets."""
        pool = list(items)
        out: dict[int, list[list[Any]]] = {}
        for k, target in enumerate(targets):
            p = 4 + k
            playing = self.seconds[tid][p]
            for candidates in ([i for i in pool if i[1] in playing], pool):
                chosen = self._take(candidates, target)
                if chosen is not None:
                    break
            else:
                return None
            ids = {id(i) for i in chosen}
            pool = [i for i in pool if id(i) not in ids]
            out[p] = chosen
        return out

    def _take(self, items: list[list[Any]], target: int) -> list[list[Any]] | None:
        """Scoring items summing to exactly ``target`` points, drawn at random, or None."""
        rng = self.rng
        by_value: dict[int, list[list[Any]]] = {1: [], 2: [], 3: [], 4: []}
        for item in items:
            by_value[_points(item)].append(item)
        counts = {v: len(by_value[v]) for v in by_value}
        if not _reachable(counts, target):
            return None
        for v in by_value:
            rng.shuffle(by_value[v])
        chosen, left = [], target
        while left:
            options = []
            for v in (1, 2, 3, 4):
                if counts[v] and v <= left:
                    counts[v] -= 1
                    if _reachable(counts, left - v):
                        options.extend([v] * (counts[v] + 1))
                    counts[v] += 1
            v = options[_below(rng, len(options))]
            counts[v] -= 1
            chosen.append(by_value[v].pop())
            left -= v
        return chosen

    def _budgets(self) -> None:
        """The roles other players' events need, each a unit at a moment while its player is
        on the court (``units``: stat -> player -> moments, latest first: the next one is
        last); and what is left of them and of their chances, per team (``team_left``)."""
        rng = self.rng
        self.units: dict[str, dict[int, list[int]]] = {stat: {} for stat in _ROLES}
        for pid, s in self.stats.items():
            stints = self.on_court(pid)
            total = sum(end - start for start, end in stints)
            for stat in _ROLES:
                self.units[stat][pid] = sorted((_moment(rng, stints, total) for _ in range(s[_I[stat]])), reverse=True)
        self.team_left: dict[tuple[str, int], int] = {}
        for tid in (self.home, self.away):
            items = self.bags[tid]
            self.team_left["made", tid] = sum(1 for i in items if i[0] == "M")
            self.team_left["miss", tid] = sum(1 for i in items if i[0] == "X")
            self.team_left["tov", tid] = sum(1 for i in items if i[0] == "T")
            for stat in ("AST", "STL", "BLK"):
                self.team_left[stat, tid] = sum(len(self.units[stat][pid]) for pid in self.roster[tid])
            fouls = sum(len(self.units["PF"][pid]) for pid in self.roster[tid])
            # The fouls the opponents' trips do not take, spread over the periods.
            spare = max(0, fouls - self.trip_fouls[self.opponent[tid]])
            self.spare_by_period[tid] = split_int(spare, [float(t) for t in self.lengths])

    def _settle_rebounds(self) -> None:
        """Rebounds that found nobody of theirs on the court when the ball came off: onto the
        team rebounds they were left as (the box score's count wins over the bench)."""
        for stat, offensive in (("OREB", True), ("DREB", False)):
            for pid, moments in self.units[stat].items():
                if not moments:
                    continue
                tid = self.team_of[pid]
                team_rows = [e for e in self.events if e[0] == _TEAM_REB and e[3] == tid and e[7] is offensive]
                del moments[:self._settle(pid, len(moments), team_rows, _REB, offensive)]

    def _settle_assists(self) -> None:
        """Assists nobody could give when the shot fell: onto unassisted makes of teammates."""
        for pid, moments in self.units["AST"].items():
            if not moments:
                continue
            tid = self.team_of[pid]
            makes = [e for e in self.events if e[0] == _MADE and e[3] == tid and e[4] != pid and not e[6]]
            del moments[:self._settle(pid, len(moments), makes, _MADE, None)]

    def _settle(self, pid: int, n: int, rows: list[list[Any]], kind: int, offensive: bool | None) -> int:
        """Give ``pid`` ``n`` of ``rows``, those where he was on the court first; how many."""
        on, off = [e for e in rows if pid in e[-1]], [e for e in rows if pid not in e[-1]]
        self.rng.shuffle(on)
        self.rng.shuffle(off)
        chosen = (on + off)[:n]
        for k, event in enumerate(chosen):
            if kind == _MADE:
                event[6] = pid
            else:
                event[0], event[4], event[5] = _REB, pid, offensive
            self.off_court += k >= len(on)
        return len(chosen)

    # ---- rows ---------------------------------------------------------------------------
    def _render(self) -> tuple[tuple[tuple[Any, ...], ...], dict[int, list[int]]]:
        """The events as the API's rows: numbers, clock, running score, counts in the texts."""
        rng, home, away = self.rng, self.home, self.away
        events = self.events
        # actionNumber: a fresh number per row but for steals and blocks (their play's), in
        # steps like the recorded file's, and now and then two neighbours swapped.
        owners = [k for k, e in enumerate(events) if e[0] not in (_STEAL, _BLOCK)]
        steps = rng.choices(_STEPS, _STEP_WEIGHTS, k=len(owners))
        numbers, n = [0] * len(events), 1
        for k, step in zip(owners, steps, strict=True):
            n += step
            numbers[k] = n
        for a, b in itertools.pairwise(owners):
            if events[a][0] not in (_START, _END) and events[b][0] not in (_START, _END) and rng.random() < 0.03:
                numbers[a], numbers[b] = numbers[b], numbers[a]
        for k in range(len(events)):
            if not numbers[k]:
                numbers[k] = numbers[k - 1]
        tricode = {tid: team_by_id(tid).abbreviation for tid in (home, away)}
        team_word = {home: team_by_id(home).nickname.upper(), away: team_by_id(away).nickname}
        side = {home: "h", away: "v"}
        score = {home: 0, away: 0}
        period_points = {home: [0] * self.periods, away: [0] * self.periods}
        pts: dict[int, int] = dict.fromkeys(self.stats, 0)
        oreb, dreb, ast, stl, blk, pf, tov = ({pid: 0 for pid in self.stats} for _ in range(7))
        team_tov = {home: 0, away: 0}
        team_fouls: dict[tuple[int, int], int] = {}
        timeouts = {home: 0, away: 0}
        walls = self._wall_clock()
        last, initial, lengths = self.last, self.initial, self.lengths
        rows: list[tuple[Any, ...]] = []
        append = rows.append
        for k, e in enumerate(events):
            kind, period, t, tid, pid = e[0], e[1], e[2], e[3], e[4]
            clk = _CLOCKS[lengths[period] - t]
            number, action_id, per = numbers[k], k + 1, period + 1
            if kind == _START or kind == _END:
                h, a = score[home], score[away]
                end = kind == _END
                desc = f"{'End' if end else 'Start'} of {_period_name(per)} ({walls[period][end]})"
                append((number, clk, per, 0, "", 0, "", "", 0, 0, 0, "", 0, str(h), str(a), h + a, "", desc,
                        "period", "end" if end else "start", int(end), 0, action_id))
                continue
            loc = side[tid]
            if kind == _TIMEOUT or kind == _TEAM_REB or kind == _TEAM_TECH:
                if kind == _TIMEOUT:
                    timeouts[tid] += 1
                    count = f"Full {timeouts[tid]}" if tid == home else f"Reg.{timeouts[tid]}"
                    desc, atype, stype, video = (f"{team_word[tid]} Timeout: Regular ({count} Short 0)", "Timeout",
                                                 "Regular", 0)
                elif kind == _TEAM_REB:
                    desc, atype, stype, video = f"{team_word[tid]} Rebound", "Rebound", e[5], e[6]
                else:
                    desc, atype, stype, video = f"{team_word[tid]} T.FOUL", "Foul", "Technical", 0
                append((number, clk, per, 0, "", tid, "", "", 0, 0, 0, "", 0, "", "", 0, loc, desc, atype, stype,
                        video, 0, action_id))
                continue
            name = last[pid]
            sh = sa = result = ""
            total = x = y = dist = value = is_fg = 0
            video = 1
            if kind == _MADE:
                value, assist, stype, words, dist, x, y = e[5], e[6], e[7], e[8], e[9], e[10], e[11]
                pts[pid] += value
                score[tid] += value
                period_points[tid][period] += value
                sh, sa = str(score[home]), str(score[away])
                total, is_fg, result, atype = score[home] + score[away], 1, "Made", "Made Shot"
                where = f"{dist}' " if dist else ""
                desc = f"{name} {where}{'3PT ' if value == 3 else ''}{words} ({pts[pid]} PTS)"
                if assist:
                    ast[assist] += 1
                    desc += f" ({last[assist]} {ast[assist]} AST)"
            elif kind == _MISS:
                value, stype, words, dist, x, y = e[5], e[7], e[8], e[9], e[10], e[11]
                is_fg, result, atype = 1, "Missed", "Missed Shot"
                where = f"{dist}' " if dist else ""
                desc = f"MISS {name} {where}{'3PT ' if value == 3 else ''}{words}"
            elif kind == _FT:
                nth, of = e[6], e[7]
                stype, atype = (f"Free Throw {nth} of {of}" if of else "Free Throw Technical"), "Free Throw"
                if e[5]:
                    pts[pid] += 1
                    score[tid] += 1
                    period_points[tid][period] += 1
                    sh, sa = str(score[home]), str(score[away])
                    total = score[home] + score[away]
                    desc = f"{name} {stype} ({pts[pid]} PTS)"
                else:
                    desc = f"MISS {name} {stype}"
            elif kind == _REB:
                if e[5]:
                    oreb[pid] += 1
                else:
                    dreb[pid] += 1
                desc, atype, stype = f"{name} REBOUND (Off:{oreb[pid]} Def:{dreb[pid]})", "Rebound", "Unknown"
            elif kind == _FOUL:
                stype, code, counted = _FOULS[e[5]]
                pf[pid] += 1
                if counted:
                    n_team = team_fouls[tid, period] = team_fouls.get((tid, period), 0) + 1
                    desc = f"{name} {code} (P{pf[pid]}.{'PN' if n_team > 4 else f'T{n_team}'}) ({e[6]})"
                else:
                    desc = f"{name} {code} (P{pf[pid]}) ({e[6]})"
                atype = "Foul"
            elif kind == _TOV:
                stype, atype = e[5], "Turnover"
                tov[pid] += 1
                team_tov[tid] += 1
                words = stype if stype.endswith("Turnover") else f"{stype} Turnover"
                desc = f"{name} {words} (P{tov[pid]}.T{team_tov[tid]})"
            elif kind == _STEAL:
                stl[pid] += 1
                desc, atype, stype = f"{name} STEAL ({stl[pid]} STL)", "", ""
            elif kind == _BLOCK:
                blk[pid] += 1
                desc, atype, stype, value = f"{name} BLOCK ({blk[pid]} BLK)", "", "", e[5]
            elif kind == _SUB:
                desc, atype, stype, video = f"SUB: {last[e[5]]} FOR {name}", "Substitution", "", 0
            else:  # _JUMP
                desc, atype, stype = f"Jump Ball {name} vs. {last[e[5]]}: Tip to {last[e[6]]}", "Jump Ball", ""
            append((number, clk, per, tid, tricode[tid], pid, name, initial[pid], x, y, dist, result, is_fg, sh, sa,
                    total, loc, desc, atype, stype, video, value, action_id))
        return tuple(rows), period_points

    def _wall_clock(self) -> list[tuple[str, str]]:
        """Each period's start and end as the description shows them, e.g. '7:11 PM EST'."""
        rng = self.rng
        hh, mm = (int(v) for v in self.game.time_et.split(":"))
        at = datetime(2000, 1, 1, hh, mm) + timedelta(minutes=7 + _below(rng, 6))
        out = []
        for p in range(self.periods):
            start = at
            at += timedelta(minutes=26 + _below(rng, 7) if p < 4 else 11 + _below(rng, 5))
            out.append((_wall(start), _wall(at)))
            at += timedelta(minutes=16 if p == 1 else 2 + _below(rng, 2))
        return out


def _wall(moment: datetime) -> str:
    """'7:11 PM EST' (the feed says EST all year)."""
    return f"{(moment.hour - 1) % 12 + 1}:{moment.minute:02d} {'PM' if moment.hour >= 12 else 'AM'} EST"


class _Period:
    """One period played out: possessions alternating, each drawing from its team's bag."""

    def __init__(self, game: _Builder, period: int) -> None:
        g = self.g = game
        self.p = period
        self.rng = game.rng
        self.events = game.events
        self.length = game.lengths[period]
        self.offset = game.offsets[period]
        self.t = 0
        self.on: dict[int, set[int]] = {}
        self.changes: dict[int, list[tuple[int, int, int]]] = {}
        self.bag: dict[int, dict[int, list[list[Any]]]] = {}
        self.left: dict[int, int] = {}
        self.technicals: dict[int, list[list[Any]]] = {}
        for tid in (g.home, g.away):
            starters, changes, _ = g.lineups[tid][period]
            self.on[tid], self.changes[tid] = set(starters), list(changes)
            by_player: dict[int, list[list[Any]]] = {}
            for item in g.period_items[tid][period]:
                if item[0] != "Q":
                    by_player.setdefault(item[1], []).append(item)
            for items in by_player.values():
                items.sort(key=lambda i: -i[5])  # the next one last
            self.bag[tid] = by_player
            self.left[tid] = sum(len(v) for v in by_player.values())
            self.technicals[tid] = [i for i in g.period_items[tid][period] if i[0] == "Q"]
        self.spare = {tid: g.spare_by_period[tid][period] + g.spare_carry[tid] for tid in (g.home, g.away)}
        plan = (1, 1, 2) if period < 3 else (2, 2, 3) if period == 3 else (0, 1, 1)
        self.timeouts = {tid: plan[_below(self.rng, 3)] for tid in (g.home, g.away)}
        self.team_fouls = {g.home: 0, g.away: 0}
        self.first = self._first_team()
        self._settle_team_rebounds()

    def emit(self, kind: int, tid: int, pid: int, *rest: Any) -> None:
        """Record an event at the current time: [kind, period, t, team, person, *rest]."""
        self.events.append([kind, self.p, self.t, tid, pid, *rest])

    def _first_team(self) -> int:
        """Who has the first possession: the jump ball's winner opens the first period and
        each overtime (the team with more possessions in it, to keep them alternating); the
        other team the second and third period, the winner again the fourth."""
        g = self.g
        if self.p in (1, 2, 3):
            return g.opponent[g.opening] if self.p in (1, 2) else g.opening
        home, away = self._possessions(g.home), self._possessions(g.away)
        first = g.home if home > away else g.away if away > home else (g.home, g.away)[_below(self.rng, 2)]
        if self.p == 0:
            g.opening = first
        return first

    def _possessions(self, tid: int) -> int:
        """The team's possessions in the period if no team rebound kept the ball."""
        items = [i for items in self.bag[tid].values() for i in items]
        return len(items) - sum(1 for i in items if i[4] == "O")

    def _settle_team_rebounds(self) -> None:
        """Turn as many of the teams' rebounds offensive (the ball stays) as it takes for the
        possessions to alternate: the first team one ahead or level, never behind."""
        g, first = self.g, self.first
        second = g.opponent[first]
        diff = self._possessions(first) - self._possessions(second)
        keep = {first: 0, second: 0}
        if diff > 1:
            keep[first] = diff - _below(self.rng, 2)
        elif diff < 0:
            keep[second] = -diff
        for tid in (first, second):
            team = [i for items in self.bag[tid].values() for i in items if i[4] == "T"]
            self.rng.shuffle(team)
            for k, item in enumerate(team):
                item[4] = "TO" if k < keep[tid] else "TD"

    # ---- the period --------------------------------------------------------------------
    def play(self) -> None:
        """Period start, the possessions, what is left over, period end."""
        g = self.g
        self.emit(_START, 0, 0)
        if self.p == 0 or self.p >= 4:
            self._jump_ball()
        team = self.first
        dead = True
        while self.left[g.home] + self.left[g.away]:
            if not self.left[team]:
                team = g.opponent[team]
            if dead:
                self._dead_ball(team)
            elif self.due_change() + 200 < self.t:
                self._substitutions()  # twenty seconds late: between possessions, though live
            dead = self._possession(team)
            team = g.opponent[team]
        self._leftovers()
        self.t = self.length
        self.emit(_END, 0, 0)

    def _jump_ball(self) -> None:
        """Jump Ball home player vs. visitor: Tip to a player of the team with the ball."""
        g = self.g
        jumpers = {tid: max(sorted(self.on[tid]), key=lambda pid: g.stats[pid][_I["DREB"]] + g.stats[pid][_I["OREB"]])
                   for tid in (g.home, g.away)}
        mates = sorted(self.on[self.first] - {jumpers[self.first]}) or [jumpers[self.first]]
        self.emit(_JUMP, g.home, jumpers[g.home], jumpers[g.away], mates[_below(self.rng, len(mates))])

    def _advance(self, share: float) -> None:
        """Move the clock to the next action: a share of the average time the actions left
        have each (the moments the items were given spread them evenly over the period)."""
        g = self.g
        remaining = self.left[g.home] + self.left[g.away] + 1
        room = self.length - self.t - 10 * remaining
        step = int((self.length - self.t) / (remaining + 0.5) * share)
        t = self.t + (max(10, min(step, room)) if room > 10 else min(10, self.length - self.t))
        left = self.length - t
        self.t = t if left < 600 else self.length - left // 10 * 10  # whole seconds above the last minute

    def _later(self, low: int, high: int) -> None:
        """A rebound's second or two after the miss (whole seconds above the last minute)."""
        t = min(self.length, self.t + low + _below(self.rng, high - low + 1))
        left = self.length - t
        self.t = t if left < 600 else self.length - left // 10 * 10

    def _possession(self, team: int) -> bool:
        """One possession of ``team``: items until one ends it; True if it ends in a dead ball."""
        rng, g = self.rng, self.g
        other = g.opponent[team]
        share = 0.4 + 1.2 * rng.random()
        after_rebound = False
        while self.left[team]:
            self._advance(share)
            item = self._draw(team)
            if self.spare[other] and rng.random() * (self.left[team] + 2) < self.spare[other]:
                if self._foul(other, "LB" if rng.random() < 0.25 else "P", spare=True):
                    self._dead_ball(team)
            kind = item[0]
            if kind == "M":
                self._made(team, item, after_rebound)
                if item[3] is None:
                    return True
                self._foul(other, "S")
                self._free_throws(team, item[1], [item[3]], 1)
                if item[3]:
                    return True
            elif kind == "X":
                self._miss(team, item, after_rebound)
            elif kind == "F":
                penalty = self.team_fouls[other] >= 4 and item[2] == 2 and rng.random() < 0.5
                self._foul(other, "P" if penalty else "S")
                self._dead_ball(team)
                self._free_throws(team, item[1], list(item[3]), item[2])
                if item[3][-1]:
                    return True
            else:
                return self._turnover(team, item)
            label = item[4]
            if not self._rebound(team, label):
                return label == "TD"
            share, after_rebound = 0.2 + 0.5 * rng.random(), True
        return True

    def due_change(self) -> int:
        """When the next substitution of either team is due (tenths; far off if none)."""
        home, away = self.changes[self.g.home], self.changes[self.g.away]
        return min(home[0][0] if home else 1 << 30, away[0][0] if away else 1 << 30)

    def _draw(self, team: int) -> list[Any]:
        """The next item of ``team``: the one due first (by deadline) among the players on
        the court, but not a trip to the line while no opponent there has a foul to give;
        failing any on the court, the bench's (counted as off the court)."""
        bag = self.bag[team]
        best, due = 0, 1 << 62
        for pid in self.on[team]:
            items = bag.get(pid)
            if items and items[-1][5] < due:
                best, due = pid, items[-1][5]
        if best and _needs_foul(bag[best][-1]):
            fouls = self.g.units["PF"]
            if not any(fouls[pid] for pid in self.on[self.g.opponent[team]]):
                trip, best, due = best, 0, 1 << 62
                for pid in self.on[team]:
                    items = bag.get(pid)
                    if items and items[-1][5] < due and not _needs_foul(items[-1]):
                        best, due = pid, items[-1][5]
                best = best or trip  # a trip, whoever fouls
        if not best and self._early_substitution(team):
            return self._draw(team)
        if not best:
            for pid, items in bag.items():
                if items and items[-1][5] < due:
                    best, due = pid, items[-1][5]
            self.g.off_court += 1
        self.left[team] -= 1
        return bag[best].pop()

    def _early_substitution(self, team: int) -> bool:
        """Nobody on the court has anything left: bring in, up to a minute early, the next
        substitute who has (with the changes due before him); whether one came."""
        bag, changes = self.bag[team], self.changes[team]
        for at, _, into in changes:
            if at > self.t + 600:
                return False
            if bag.get(into):
                self._substitutions(until=at)
                return True
        return False

    def _pick(self, tid: int, stat: str, exclude: int = 0, must: bool = True, due_now: bool = False) -> int:
        """The player of ``tid`` on the court whose next unit of ``stat`` is due first (only
        if it is due by now, with ``due_now``); if none has one, 0, or (``must``) the bench's
        (counted as off the court), or 0 if none."""
        units = self.g.units[stat]
        best, due = 0, 1 << 62
        now = self.offset + self.t if due_now else 1 << 62
        for pid in self.on[tid]:
            moments = units[pid]
            if moments and pid != exclude and moments[-1] < due and moments[-1] & _MOMENT <= now:
                best, due = pid, moments[-1]
        if not best and must:
            for pid in self.g.roster[tid]:
                moments = units[pid]
                if moments and pid != exclude and moments[-1] < due:
                    best, due = pid, moments[-1]
            self.g.off_court += best != 0
        if best:
            units[best].pop()
        return best

    def _chance(self, key: str, tid: int, of: str, of_tid: int, exclude: int = 0) -> int:
        """Whether this turnover/miss/make gets a steal/block/assist of ``tid``, at the odds of
        what is left (k of n: k/n), and whose: a player on the court, else it waits for a later
        chance unless none is left. The counts come out exact."""
        g = self.g
        k, n = g.team_left[key, tid], g.team_left[of, of_tid]
        g.team_left[of, of_tid] = n - 1
        if not k or self.rng.random() * n >= k:
            return 0
        pid = self._pick(tid, key, exclude, must=k >= n and key != "AST")  # assists: _settle_assists
        if pid:
            g.team_left[key, tid] = k - 1
        return pid

    def _made(self, team: int, item: list[Any], after_rebound: bool) -> None:
        """A made shot, assisted at the odds of what is left."""
        pid, value = item[1], item[2]
        assist = self._chance("AST", team, "made", team, exclude=pid)
        self.emit(_MADE, team, pid, value, assist, *self._shot(value, True, after_rebound, False),
                  frozenset(self.on[team]))

    def _miss(self, team: int, item: list[Any], after_rebound: bool) -> None:
        """A miss, blocked at the odds of what is left."""
        pid, value = item[1], item[2]
        other = self.g.opponent[team]
        blocker = self._chance("BLK", other, "miss", team)
        self.emit(_MISS, team, pid, value, 0, *self._shot(value, False, after_rebound, blocker != 0))
        if blocker:
            self.emit(_BLOCK, other, blocker, value)

    def _shot(self, value: int, made: bool, putback: bool, blocked: bool) -> tuple[str, str, int, int, int]:
        """(subType, words, distance, xLegacy, yLegacy) of a shot: threes from 22 feet out
        (the corners) or 24 and more, twos inside 22 feet."""
        rnd = self.rng.random
        if value == 3:
            subtype, words = _THREES[int(rnd() * len(_THREES))]
            if rnd() < 0.2:  # a corner three
                x = (220 + int(rnd() * 15)) * (1 if rnd() < 0.5 else -1)
                y = int(rnd() * 110) - 40
            else:
                r = _THREE_FEET[int(rnd() * len(_THREE_FEET))] * 10 + int(rnd() * 10)
                angle = 2.4 * rnd() - 1.2
                x, y = int(r * math.sin(angle)), int(r * math.cos(angle))
        else:
            zone = rnd()
            if putback and zone < 0.35:
                (subtype, words), feet = _PUTBACKS[int(rnd() * len(_PUTBACKS))], int(rnd() * 3)
            elif zone < 0.5 or (blocked and zone < 0.8):
                pool = _RIM + _DUNKS if made else _RIM
                (subtype, words), feet = pool[int(rnd() * len(pool))], (0, 1, 1, 1, 2, 2, 3)[int(rnd() * 7)]
            elif zone < 0.7:
                (subtype, words), feet = _SHORT[int(rnd() * len(_SHORT))], 3 + int(rnd() * 10)
            else:
                (subtype, words), feet = _MID[int(rnd() * len(_MID))], 8 + int(rnd() * 14)
            r = max(0, feet * 10 + int(rnd() * 9) - 4)
            angle = 3.0 * rnd() - 1.5
            x, y = int(r * math.sin(angle)), int(r * math.cos(angle))
        return subtype, words, int(math.hypot(x, y) / 10 + 0.5), x, y

    def _rebound(self, team: int, label: str) -> bool:
        """The rebound of a miss by ``team`` as labelled; True if the team keeps the ball. A
        player's rebound with none of its rebounders on the court goes to the team for now,
        and a later team rebound of the kind to a player (``_Builder.debts``)."""
        g = self.g
        self._later(5, 30)
        keeps = label in ("O", "TO")
        tid = team if keeps else g.opponent[team]
        stat = "OREB" if keeps else "DREB"
        debt = g.debts.get((stat, tid), 0)
        if label in ("O", "D") or debt:
            pid = self._pick(tid, stat, must=False)
            if pid:
                if label in ("TO", "TD"):
                    g.debts[stat, tid] = debt - 1
                self.emit(_REB, tid, pid, keeps)
                return keeps
            if label in ("O", "D"):
                g.debts[stat, tid] = debt + 1
        self.emit(_TEAM_REB, tid, 0, "Unknown", _below(self.rng, 2), keeps, frozenset(self.on[tid]))
        return keeps

    def _foul(self, tid: int, kind: str, spare: bool = False, pid: int = 0) -> int:
        """A foul by a player of ``tid``: a trip's (someone must have fouled) or one of the
        team's spare ones (only by a player on the court); the fouler, or 0."""
        pid = pid or self._pick(tid, "PF", must=not spare, due_now=spare)
        if not pid:
            return 0
        if spare:
            self.spare[tid] -= 1
        if _FOULS[kind][2]:
            self.team_fouls[tid] += 1
        self.emit(_FOUL, tid, pid, kind, self.g.referees[_below(self.rng, 3)])
        return pid

    def _free_throws(self, team: int, pid: int, shots: list[bool], of: int) -> None:
        """A trip's free throws at one clock; a miss before the last leaves a team rebound."""
        for k, made in enumerate(shots, start=1):
            self.emit(_FT, team, pid, made, k, of)
            if not made and k < len(shots):
                self.emit(_TEAM_REB, team, 0, "Normal Rebound", 0, None, frozenset())

    def _turnover(self, team: int, item: list[Any]) -> bool:
        """A turnover, stolen at the odds of what is left; an offensive foul now and then;
        True if the ball is dead."""
        rng, g = self.rng, self.g
        pid, other = item[1], g.opponent[team]
        stealer = self._chance("STL", other, "tov", team)
        if stealer:
            self.emit(_TOV, team, pid, _STOLEN[_below(rng, len(_STOLEN))])
            self.emit(_STEAL, other, stealer)
            return False
        fouls = g.units["PF"][pid]
        if self.spare[team] and fouls and rng.random() < 0.3:
            fouls.pop()
            self._foul(team, "OFF", spare=True, pid=pid)
            self.emit(_TOV, team, pid, "Offensive Foul Turnover")
        else:
            self.emit(_TOV, team, pid, _UNFORCED[_below(rng, len(_UNFORCED))])
        return True

    def _dead_ball(self, team: int) -> None:
        """What waits for the ball to be dead: a timeout, a technical, the substitutions due."""
        rng, g = self.rng, self.g
        left = self.left[g.home] + self.left[g.away]
        for tid in (team, g.opponent[team]):
            if self.timeouts[tid] and self.t > 600 and rng.random() * (left / 8 + 1) < self.timeouts[tid]:
                self.timeouts[tid] -= 1
                self.emit(_TIMEOUT, tid, 0)
                break
        for tid in (g.home, g.away):
            technicals = self.technicals[tid]
            if technicals and technicals[-1][1] in self.on[tid] and rng.random() * (left / 10 + 1) < len(technicals):
                self._technical(tid, technicals.pop())
        self._substitutions()

    def _technical(self, tid: int, item: list[Any]) -> None:
        """The opponents' technical foul and ``tid``'s free throw for it."""
        self.emit(_TEAM_TECH, self.g.opponent[tid], 0)
        self.emit(_FT, tid, item[1], item[3], 0, 0)

    def _substitutions(self, until: int | None = None) -> None:
        """The lineups' changes due by now (or ``until``), both teams, as 'SUB: in FOR out' rows."""
        until = self.t if until is None else until
        for tid in (self.g.home, self.g.away):
            changes = self.changes[tid]
            if not changes or changes[0][0] > until:
                continue
            before = set(self.on[tid])
            while changes and changes[0][0] <= until:
                # One instant at a time, all its changes at once: a starter can leave one spot
                # on the floor for another at the very moment (out of one, into the other).
                at = changes[0][0]
                outs, ins = set(), set()
                while changes and changes[0][0] == at:
                    _, out, into = changes.pop(0)
                    outs.add(out)
                    ins.add(into)
                self.on[tid] = (self.on[tid] - outs) | ins
            for out, into in zip(sorted(before - self.on[tid]), sorted(self.on[tid] - before), strict=True):
                self.emit(_SUB, tid, out, into)

    def _leftovers(self) -> None:
        """What the period still owes, in its last seconds: the technicals; and the spare
        fouls, left to the next period unless this is the last (then whoever has them)."""
        g = self.g
        last = self.p == g.periods - 1
        for tid in (g.home, g.away):
            for item in self.technicals[tid]:
                self._later(0, 20)
                self._technical(tid, item)
            self.technicals[tid] = []
            while last and self.spare[tid]:
                self._later(10, 40)
                if not self._foul(tid, "P", spare=True):  # nobody on the court has one left
                    self._foul_anyone(tid)
            g.spare_carry[tid] = self.spare[tid]

    def _foul_anyone(self, tid: int) -> int:
        """A spare foul in the last period's last seconds by whoever still has one."""
        pid = self._pick(tid, "PF", must=True)
        if not pid:
            self.spare[tid] = 0
            return 0
        self.spare[tid] -= 1
        self.emit(_FOUL, tid, pid, "P", self.g.referees[_below(self.rng, 3)])
        return pid
