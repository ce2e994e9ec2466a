"""A deterministic synthetic NBA league: teams, rosters, schedules and box scores.

The league is the ground truth behind the fake stats API: every response the fake
serves is derived from it, and ``truth()`` states what a correct pipeline must load.
Everything derives from ``random.Random`` seeded with strings, so the same seed and
season always give byte-identical data, whichever other seasons are generated.

Any season from 1946-47 on can be generated, shaped by its era (``era_of``): as many
teams and games as the league had then, the phases it had (play-in, NBA Cup final,
All-Star game), the stats it kept (``STAT_FIRST_SEASONS``) and, before the league's
``schedules_from``, no schedule at all. This is the fake NBA's own account of history,
the test oracle, deliberately independent of the loader's code.
"""

from __future__ import annotations

import functools
import logging
import random
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from loader.nba_stats.settings import SEASON_TYPE_DIGITS

if TYPE_CHECKING:
    from .playbyplay import PlayByPlay

logger = logging.getLogger(__name__)

# (team_id, abbreviation, city, nickname, conference)
_TEAM_DATA: tuple[tuple[int, str, str, str, str], ...] = (
    (1610612737, "ATL", "Atlanta", "Hawks", "East"),
    (1610612738, "BOS", "Boston", "Celtics", "East"),
    (1610612739, "CLE", "Cleveland", "Cavaliers", "East"),
    (1610612740, "NOP", "New Orleans", "Pelicans", "West"),
    (1610612741, "CHI", "Chicago", "Bulls", "East"),
    (1610612742, "DAL", "Dallas", "Mavericks", "West"),
    (1610612743, "DEN", "Denver", "Nuggets", "West"),
    (1610612744, "GSW", "Golden State", "Warriors", "West"),
    (1610612745, "HOU", "Houston", "Rockets", "West"),
    (1610612746, "LAC", "LA", "Clippers", "West"),
    (1610612747, "LAL", "Los Angeles", "Lakers", "West"),
    (1610612748, "MIA", "Miami", "Heat", "East"),
    (1610612749, "MIL", "Milwaukee", "Bucks", "East"),
    (1610612750, "MIN", "Minnesota", "Timberwolves", "West"),
    (1610612751, "BKN", "Brooklyn", "Nets", "East"),
    (1610612752, "NYK", "New York", "Knicks", "East"),
    (1610612753, "ORL", "Orlando", "Magic", "East"),
    (1610612754, "IND", "Indiana", "Pacers", "East"),
    (1610612755, "PHI", "Philadelphia", "76ers", "East"),
    (1610612756, "PHX", "Phoenix", "Suns", "West"),
    (1610612757, "POR", "Portland", "Trail Blazers", "West"),
    (1610612758, "SAC", "Sacramento", "Kings", "West"),
    (1610612759, "SAS", "San Antonio", "Spurs", "West"),
    (1610612760, "OKC", "Oklahoma City", "Thunder", "West"),
    (1610612761, "TOR", "Toronto", "Raptors", "East"),
    (1610612762, "UTA", "Utah", "Jazz", "West"),
    (1610612763, "MEM", "Memphis", "Grizzlies", "West"),
    (1610612764, "WAS", "Washington", "Wizards", "East"),
    (1610612765, "DET", "Detroit", "Pistons", "East"),
    (1610612766, "CHA", "Charlotte", "Hornets", "East"),
)
_SLUGS = {"Trail Blazers": "blazers", "76ers": "sixers"}

ALL_STAR_EAST_ID = 1610616833
ALL_STAR_WEST_ID = 1610616834

# Season types: wire name -> game id type digit (the digit after the leading "00"), as
# the source knows them: the loader's one copy.
SEASON_TYPES: dict[str, str] = SEASON_TYPE_DIGITS
TYPE_NAMES: dict[str, str] = {digit: name for name, digit in SEASON_TYPES.items()}

# Order of the stored counting stats of one player line.
STAT_FIELDS: tuple[str, ...] = (
    "MIN", "FGM", "FGA", "FG3M", "FG3A", "FTM", "FTA",
    "OREB", "DREB", "AST", "STL", "BLK", "TOV", "PF",
)
_IDX = {name: i for i, name in enumerate(STAT_FIELDS)}

#: The box-score columns both game logs carry, in their header order (wire.py builds the
#: headers from it, and ``null_stat`` accepts exactly these).
BOX_COLUMNS: tuple[str, ...] = (
    "MIN", "FGM", "FGA", "FG_PCT", "FG3M", "FG3A", "FG3_PCT", "FTM", "FTA", "FT_PCT",
    "OREB", "DREB", "REB", "AST", "STL", "BLK", "TOV", "PF", "PTS", "PLUS_MINUS",
)

_FIRST_NAMES = (
    "James", "Marcus", "Tyrese", "Jalen", "Devin", "Andre", "Luka", "Nikola", "Jaylen", "Darius",
    "Kevin", "Anthony", "Trae", "Zion", "Paolo", "Scottie", "Evan", "Cade", "Desmond", "Malik",
    "Jordan", "Isaiah", "Derrick", "Franz", "Mikal", "Bam", "Tyler", "Keegan", "Aaron", "Dejounte",
)
_LAST_NAMES = (
    "Walker", "Brooks", "Haliburton", "Green", "Banks", "Miller", "Bridges", "Porter", "Allen",
    "Garland", "Mitchell", "Barnes", "Mobley", "Holmes", "Herro", "Murray", "Young", "Ball",
    "Johnson", "Wagner", "Suggs", "Cunningham", "Ivey", "Duren", "Thompson", "Harris", "Hunter",
    "Fox", "Sabonis", "Keller", "Monk", "Jackson", "Williams", "Evans", "Morant", "Bane",
)


@dataclass(frozen=True)
class Team:
    """A team as the wire shows it; ``conference`` drives standings and the bracket."""

    team_id: int
    abbreviation: str
    city: str
    nickname: str
    conference: str

    @property
    def name(self) -> str:
        """Full name as in TEAM_NAME, e.g. 'Los Angeles Lakers'."""
        return f"{self.city} {self.nickname}"

    @property
    def slug(self) -> str:
        """teamSlug of the schedule, e.g. 'lakers'."""
        return _SLUGS.get(self.nickname, self.nickname.lower().replace(" ", ""))


TEAMS: tuple[Team, ...] = tuple(Team(*row) for row in _TEAM_DATA)
ALL_STAR_TEAMS: tuple[Team, ...] = (
    Team(ALL_STAR_EAST_ID, "EST", "East", "All-Stars", "East"),
    Team(ALL_STAR_WEST_ID, "WST", "West", "All-Stars", "West"),
)
_TEAM_BY_ID: dict[int, Team] = {t.team_id: t for t in TEAMS + ALL_STAR_TEAMS}


def team_by_id(team_id: int) -> Team:
    """Look up a real or All-Star team by id."""
    return _TEAM_BY_ID[team_id]


# ---- history: the league of each era -------------------------------------------------
FIRST_SEASON = "1946-47"
PLAY_IN_FROM = "2020-21"
CUP_FINAL_FROM = "2023-24"
ALL_STAR_FROM = "1950-51"
#: The fake's own choice, not a claim about the real API: early enough that the recent
#: seasons the tests and the demo use all have a schedule, late enough that a backfill
#: of the last few decades meets seasons without one.
DEFAULT_SCHEDULES_FROM = "2001-02"

_TEAM_LOG_FIRST_SEASONS: dict[str, str] = {
    "FG3M": "1979-80", "FG3A": "1979-80", "FG3_PCT": "1979-80",  # no three-point line before
    "OREB": "1973-74", "DREB": "1973-74", "STL": "1973-74", "BLK": "1973-74",
    "TOV": "1977-78",
}
#: The first season each game log keeps a column, by log ("T" team, "P" player, as the
#: PlayerOrTeam parameter): before it the log serves the column as null. Columns not
#: listed are kept in every season. REB is kept throughout (only its split is not), team
#: MIN throughout (player MIN is not), team PLUS_MINUS (the final margin) throughout.
#: Internally an unkept stat is generated as 0 (rebounds all count as DREB), so that the
#: invariants hold in every era: team stats are sums of player lines, PTS = 2*FGM + FG3M
#: + FTM, REB = OREB + DREB. Player MIN and PLUS_MINUS are generated as always and only
#: served null, since team MIN and the margin are kept.
STAT_FIRST_SEASONS: dict[str, dict[str, str]] = {
    "T": dict(_TEAM_LOG_FIRST_SEASONS),
    "P": {**_TEAM_LOG_FIRST_SEASONS, "MIN": "1951-52", "PLUS_MINUS": "1996-97"},
}


def stat_kept(column: str, season: str, player: bool) -> bool:
    """Whether the season's team (or player) game log serves ``column`` as a value, not null."""
    return season >= STAT_FIRST_SEASONS["P" if player else "T"].get(column, FIRST_SEASON)


_FRANCHISE_ABBREVIATIONS = (
    "BOS", "NYK", "GSW",  # 1946
    "DET", "SAC", "LAL",  # 1948
    "ATL", "PHI",  # 1949
    "WAS", "CHI", "HOU", "OKC", "MIL", "PHX",  # 1961-1968
    "CLE", "POR", "LAC", "UTA",  # 1970-1974
    "DEN", "IND", "BKN", "SAS", "DAL",  # 1976-1980
    "CHA", "MIA", "MIN", "ORL", "TOR", "MEM", "NOP",  # 1988-2002
)
#: The 30 teams in the order their franchises joined the league (as the NBA counts its
#: franchises' histories today; ties in the order listed). A season of N teams fields
#: the first N. The early league had more short-lived franchises than survive, so its
#: seasons borrow later franchises' ids: the team counts are history's, the names not.
FRANCHISE_ORDER: tuple[Team, ...] = tuple(
    next(t for t in TEAMS if t.abbreviation == abbreviation) for abbreviation in _FRANCHISE_ABBREVIATIONS
)

# (first start year, value) steps approximating history; a value holds until the next step.
_TEAM_COUNTS: tuple[tuple[int, int], ...] = (
    (1946, 11), (1949, 17), (1950, 11), (1953, 9), (1955, 8), (1961, 9), (1966, 10), (1967, 12),
    (1968, 14), (1970, 17), (1974, 18), (1976, 22), (1980, 23), (1988, 25), (1989, 27), (1995, 29),
    (2004, 30),
)
_GAMES_PER_TEAM: tuple[tuple[int, int], ...] = (
    (1946, 60), (1947, 48), (1948, 60), (1949, 68), (1950, 66), (1953, 72), (1959, 75), (1960, 79),
    (1961, 80), (1966, 81), (1967, 82),
)


def _step_value(steps: tuple[tuple[int, int], ...], year: int) -> int:
    """The value of the last step starting at or before ``year``."""
    return next(value for first, value in reversed(steps) if year >= first)


@dataclass(frozen=True)
class Era:
    """The shape of one season's league: who plays, how many games, which phases exist."""

    season: str
    teams: tuple[Team, ...]
    games_per_team: int
    playoff_teams: int
    has_play_in: bool
    has_cup_final: bool
    has_all_star: bool

    @property
    def seeds_by_conference(self) -> bool:
        """Each conference seeds its own half of the bracket only if it leaves two or more
        teams out, so that its regular season still decides something; else one league-wide
        bracket (the small leagues of the 1950s and 60s)."""
        berths = self.playoff_teams // 2
        return all(sum(t.conference == conf for t in self.teams) >= berths + 2 for conf in ("East", "West"))


@functools.cache
def era_of(season: str) -> Era:
    """The era of a season 'YYYY-YY' from 1946-47 on (the league did not exist before)."""
    if not _valid_season(season) or season < FIRST_SEASON:
        raise ValueError(f"the league plays seasons like 2024-25 from {FIRST_SEASON} on, not {season!r}")
    year = int(season[:4])
    n_teams = _step_value(_TEAM_COUNTS, year)
    return Era(
        season=season,
        teams=FRANCHISE_ORDER[:n_teams],
        games_per_team=_step_value(_GAMES_PER_TEAM, year),
        playoff_teams=4 if n_teams < 12 else 8 if n_teams < 23 else 16,
        has_play_in=season >= PLAY_IN_FROM,
        has_cup_final=season >= CUP_FINAL_FROM,
        has_all_star=season >= ALL_STAR_FROM,
    )


@dataclass(frozen=True)
class Player:
    """A rostered player; ``usage`` scales minutes and shots."""

    player_id: int
    name: str
    team_id: int
    usage: float


@dataclass
class Line:
    """One player's box line: counting stats in STAT_FIELDS order (mutable for corrections)."""

    player_id: int
    stats: list[int]

    def get(self, stat: str) -> int:
        """Read one counting stat by name."""
        return self.stats[_IDX[stat]]

    @property
    def points(self) -> int:
        """PTS derived from makes, so it can never disagree with FGM/FG3M/FTM."""
        s = self.stats
        return 2 * s[_IDX["FGM"]] + s[_IDX["FG3M"]] + s[_IDX["FTM"]]


@dataclass
class Game:
    """One game with both teams' player lines; team totals are always sums of lines."""

    game_id: str
    season: str
    game_date: date
    home_id: int
    away_id: int
    lines: dict[int, list[Line]]
    time_et: str = "19:30"
    neutral: bool = False
    label: str = ""
    sub_label: str = ""
    series_text: str = ""
    series_before: str = ""  # series status before this game, shown while it is scheduled
    series_game_number: str = ""
    subtype: str = ""
    arena: tuple[str, str, str] = ("", "", "")  # name, city, state
    seeds: dict[int, int] = field(default_factory=dict)
    original_date: date | None = None
    # How both log rows mark a neutral-site game whose logs do not designate: "@" or "vs."
    # on both rows; "" = designated (home "vs.", away "@").
    log_marker: str = ""
    # 5-minute overtimes the simulation played (``_play``): the play-by-play has 4 + this periods.
    overtimes: int = 0
    # Data faults the hooks of SyntheticLeague set (see there).
    redesignated: bool = False
    schedule_score_skew: int = 0
    withheld_until: date | None = None
    null_columns: dict[str, date | None] = field(default_factory=dict)
    play_by_play_until: date | None = None

    @property
    def type_digit(self) -> str:
        """Season-type digit of the game id (1 pre, 2 regular, 3 ASG, 4 PO, 5 play-in, 6 cup)."""
        return self.game_id[2]

    @property
    def postponed(self) -> bool:
        """True once ``SyntheticLeague.postpone`` moved the game."""
        return self.original_date is not None

    def totals(self, team_id: int) -> list[int]:
        """Team counting stats as the column sums of its player lines."""
        out = [0] * len(STAT_FIELDS)
        for line in self.lines[team_id]:
            for i, v in enumerate(line.stats):
                out[i] += v
        return out

    def points(self, team_id: int) -> int:
        """Team points = sum of player points."""
        return sum(line.points for line in self.lines[team_id])

    def opponent(self, team_id: int) -> int:
        """The other team of the game."""
        return self.away_id if team_id == self.home_id else self.home_id

    def winner(self) -> int:
        """Team id with more points (ties are never generated)."""
        return self.home_id if self.points(self.home_id) > self.points(self.away_id) else self.away_id

    @property
    def schedule_home_id(self) -> int:
        """The home team as the schedule designates it (``SyntheticLeague.redesignate`` swaps it)."""
        return self.away_id if self.redesignated else self.home_id

    @property
    def schedule_away_id(self) -> int:
        """The away team as the schedule designates it."""
        return self.home_id if self.redesignated else self.away_id

    def schedule_score(self, team_id: int) -> int:
        """A team's score as the final schedule shows it: the box score, but for a skewed home score."""
        skew = self.schedule_score_skew if team_id == self.schedule_home_id else 0
        return self.points(team_id) + skew

    def box_score_withheld(self, now: date | None) -> bool:
        """True while the API has not published the game's log rows yet (None = the end of time)."""
        return self.withheld_until is not None and _before(now, self.withheld_until)

    def null_columns_at(self, now: date | None) -> list[str]:
        """The columns both game logs serve null for this game at ``now``, in header order."""
        return [c for c in BOX_COLUMNS if c in self.null_columns and _before(now, self.null_columns[c])]

    def play_by_play_published(self, now: date | None) -> bool:
        """Whether ``playbyplayv3`` serves the game's actions at ``now``: once it is final and
        no ``SyntheticLeague.delay_play_by_play`` holds them back (None = the end of time)."""
        if not is_final(self, now):
            return False
        return self.play_by_play_until is None or not _before(now, self.play_by_play_until)


@dataclass
class Season:
    """All games of one season plus the derived standings."""

    season: str
    games: dict[str, Game]
    first_regular_date: date
    last_regular_date: date
    seeds: dict[int, int] = field(default_factory=dict)

    @property
    def start_year(self) -> int:
        """YYYY of 'YYYY-YY'."""
        return int(self.season[:4])

    @property
    def era(self) -> Era:
        """Teams, games per team and phases of the season."""
        return era_of(self.season)

    def visible_games(self, now: date | None) -> list[Game]:
        """Games the schedule shows at ``now``: postseason only after the regular season ended."""
        post_ok = now is None or now > self.last_regular_date
        return [g for g in self.games.values() if post_ok or g.type_digit not in ("4", "5")]


def _before(now: date | None, until: date | None) -> bool:
    """Whether a fault lasting ``until`` (None: for good) still holds at ``now`` (None: the end of time)."""
    return until is None or (now is not None and now < until)


def is_final(game: Game, now: date | None) -> bool:
    """The clock rule: a game is final iff it was played before ``now`` (None = all final)."""
    return now is None or game.game_date < now


def split_int(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into non-negative ints proportional to ``weights`` that sum exactly to it."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    rest = total - sum(out)
    order = sorted(range(len(weights)), key=lambda i: (out[i] - raw[i], i))
    for i in order[:rest]:
        out[i] += 1
    return out


def _player_line(rng: random.Random, minutes: int, usage: float, shoot: float) -> list[int]:
    """Plausible counting stats for ``minutes`` played; makes never exceed attempts."""
    r = minutes / 48.0
    fga = max(0, round(rng.gauss(15.5 * r * usage, 1.5)))
    fg3a = min(fga, round(fga * rng.uniform(0.2, 0.5)))
    fg2a = fga - fg3a
    fg3m = min(fg3a, round(fg3a * rng.uniform(0.25, 0.45) * shoot))
    fg2m = min(fg2a, round(fg2a * rng.uniform(0.42, 0.6) * shoot))
    fta = max(0, round(rng.gauss(4.3 * r * usage, 1.2)))
    ftm = min(fta, round(fta * rng.uniform(0.6, 0.92)))
    oreb = round(rng.uniform(0.0, 2.4) * r)
    dreb = round(rng.uniform(2.0, 8.0) * r)
    ast = round(rng.uniform(1.0, 6.0) * r * usage)
    stl = round(rng.uniform(0.0, 1.8) * r)
    blk = round(rng.uniform(0.0, 1.4) * r)
    tov = round(rng.uniform(0.5, 3.0) * r * usage)
    pf = round(rng.uniform(1.0, 3.5) * r)
    return [minutes, fg2m + fg3m, fga, fg3m, fg3a, ftm, fta, oreb, dreb, ast, stl, blk, tov, pf]


def _as_kept(s: list[int], unkept: frozenset[str]) -> list[int]:
    """A fresh line (changed in place) as an era that did not keep some stats has it: no threes
    (before the line every make was a two), rebounds not split (all of them in DREB, so
    REB = OREB + DREB still holds), no steals, blocks or turnovers counted."""
    if "FG3M" in unkept or "FG3A" in unkept:
        s[_IDX["FG3M"]] = s[_IDX["FG3A"]] = 0
    if "OREB" in unkept or "DREB" in unkept:
        s[_IDX["DREB"]] += s[_IDX["OREB"]]
        s[_IDX["OREB"]] = 0
    for stat in ("STL", "BLK", "TOV"):
        if stat in unkept:
            s[_IDX[stat]] = 0
    return s


def _period_lines(
    rng: random.Random, players: list[Player], minutes: int, shoot: float, unkept: frozenset[str] = frozenset()
) -> list[list[int]]:
    """Lines of one team for a stretch of ``minutes`` team-minutes (5 on court)."""
    weights = [p.usage * (1.7 if i < 5 else 1.0) for i, p in enumerate(players)]
    mins = split_int(minutes, weights)
    lines = [_player_line(rng, m, p.usage, shoot) for m, p in zip(mins, players, strict=True)]
    return [_as_kept(s, unkept) for s in lines] if unkept else lines


def _play(
    rng: random.Random, rosters: dict[int, list[Player]], strength: dict[int, float], home_id: int,
    unkept: frozenset[str] = frozenset(),
) -> tuple[dict[int, list[Line]], int]:
    """Simulate a game: regulation, then 5-minute overtimes until the points differ; returns
    the lines and the number of overtimes played.

    ``unkept``: the stats the era did not keep, generated as 0 before points are compared,
    so that the final score is the one the kept stats add up to."""
    stats: dict[int, list[list[int]]] = {}
    for tid, players in rosters.items():
        bonus = 1.015 if tid == home_id else 1.0
        stats[tid] = _period_lines(rng, players, 240, strength[tid] * bonus, unkept)
    t1, t2 = list(rosters)
    overtimes = 0
    for _ in range(6):
        if _pts(stats[t1]) != _pts(stats[t2]):
            break
        overtimes += 1
        for tid, players in rosters.items():
            ot = _period_lines(rng, players[:8], 25, strength[tid], unkept)
            padded = ot + [[0] * len(STAT_FIELDS)] * (len(players) - len(ot))
            stats[tid] = [[a + b for a, b in zip(x, y, strict=True)] for x, y in zip(stats[tid], padded, strict=True)]
    if _pts(stats[t1]) == _pts(stats[t2]):  # last resort: one more made free throw (in the last overtime)
        stats[home_id][0][_IDX["FTM"]] += 1
        stats[home_id][0][_IDX["FTA"]] += 1
    lines = {tid: [Line(p.player_id, s) for p, s in zip(rosters[tid], stats[tid], strict=True)] for tid in rosters}
    return lines, overtimes


def _pts(lines: list[list[int]]) -> int:
    """Points of raw stat lists."""
    return sum(2 * s[1] + s[3] + s[5] for s in lines)


def _third_sunday_of_february(year: int) -> date:
    """All-Star Sunday."""
    d = date(year, 2, 1)
    first_sunday = d + timedelta(days=(6 - d.weekday()) % 7)
    return first_sunday + timedelta(days=14)


def _thanksgiving(year: int) -> date:
    """Fourth Thursday of November (no NBA games)."""
    d = date(year, 11, 1)
    first_thu = d + timedelta(days=(3 - d.weekday()) % 7)
    return first_thu + timedelta(days=21)


def _round_robin(teams: list[int]) -> list[list[tuple[int, int]]]:
    """Circle-method rounds for an even number of teams: n - 1 perfect matchings covering every pair once."""
    arr = list(teams)
    n = len(arr)
    rounds = []
    for _ in range(n - 1):
        rounds.append([(arr[i], arr[n - 1 - i]) for i in range(n // 2)])
        arr = [arr[0], arr[-1]] + arr[1:-1]
    return rounds


def _season_pairs(rng: random.Random, ids: list[int], games: int) -> list[tuple[int, int]]:
    """Matchups in which every team plays exactly ``games`` times, any number of teams.

    Every pair meets ``games // (n - 1)`` times; the rest come from whole circle-method
    rounds (even n) or, for odd n, a circulant graph (team i also meets i +- 1 .. i +- rest/2,
    mod n), since rounds with byes cannot give every team the same count.
    """
    n = len(ids)
    cycles, rest = divmod(games, n - 1)
    pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]] * cycles
    if n % 2 == 0:
        for rnd in rng.sample(_round_robin(ids), rest):
            pairs.extend(rnd)
    elif rest % 2:
        raise ValueError(f"{n} teams cannot all play {games} games (an odd number of team-games)")
    else:
        pairs.extend((ids[i], ids[(i + d) % n]) for d in range(1, rest // 2 + 1) for i in range(n))
    return pairs


def _spread(rng: random.Random, pairs: list[tuple[int, int]], days: list[date]) -> list[tuple[date, int, int]]:
    """Give every matchup a day, no team twice a day, about evenly over ``days``.

    Each day takes its share of what is left, teams with the most games left first, so
    no team is left with more games than days; should that still happen, the last games
    spill over into the days after the last one.
    """
    pending = list(pairs)
    rng.shuffle(pending)
    left = Counter(t for pair in pending for t in pair)
    out: list[tuple[date, int, int]] = []
    k = 0
    while pending:
        day = days[k] if k < len(days) else days[-1] + timedelta(days=k - len(days) + 1)
        quota = -(-len(pending) // max(1, len(days) - k))
        pending.sort(key=lambda p: -max(left[p[0]], left[p[1]]))  # stable: random among equals
        busy: set[int] = set()  # the teams playing on the day
        rest = []
        for a, b in pending:
            if len(busy) < 2 * quota and a not in busy and b not in busy:  # two teams a game
                out.append((day, a, b))
                busy.update((a, b))
                left[a] -= 1
                left[b] -= 1
            else:
                rest.append((a, b))
        pending = rest
        k += 1
    return out


# Bracket of one seeded field by its size: first-round pairs of seeds, in bracket order.
_BRACKETS: dict[int, tuple[tuple[int, int], ...]] = {
    2: ((1, 2),),
    4: ((1, 4), (2, 3)),
    8: ((1, 8), (4, 5), (3, 6), (2, 7)),
    16: ((1, 16), (8, 9), (4, 13), (5, 12), (3, 14), (6, 11), (2, 15), (7, 10)),
}


def playoff_field(era: Era, rank: Mapping[int, tuple[int, int, int]]) -> list[list[int]]:
    """The seeded playoff fields of a season without play-in, best first by ``rank`` (lower
    is better): East's and West's when the era seeds by conference, else one league-wide."""
    if era.seeds_by_conference:
        berths = era.playoff_teams // 2
        return [sorted((t.team_id for t in era.teams if t.conference == conf), key=lambda t: rank[t])[:berths]
                for conf in ("East", "West")]
    return [sorted((t.team_id for t in era.teams), key=lambda t: rank[t])[: era.playoff_teams]]


_TIMES = ("19:00", "19:00", "19:30", "19:30", "20:00", "22:00", "22:30")
_ROUND_NAMES = {1: "First Round", 2: "Conf. Semifinals", 3: "Conf. Finals", 4: "NBA Finals"}
_LEAGUE_ROUND_NAMES = {1: "First Round", 2: "Quarterfinals", 3: "Semifinals"}
_INTERNATIONAL_SITES = (("Accor Arena", "Paris", ""), ("The O2", "London", ""), ("Arena CDMX", "Mexico City", ""))


class _SeasonBuilder:
    """Builds one Season from its own rng; split into steps to keep each small.

    The 30-team league (2004-05 on) keeps its original round-based regular season, so
    that those seasons generate exactly as they always have; smaller leagues, odd team
    counts and shorter seasons get matchups from ``_season_pairs`` and days from ``_spread``.
    """

    def __init__(self, league: SyntheticLeague, season: str) -> None:
        self.league = league
        self.season = season
        self.era = era_of(season)
        self.year = int(season[:4])
        self.yy = season[2:4]
        self.rng = random.Random(f"{league.seed}:{season}:season")
        self.strength = {t.team_id: self.rng.uniform(0.93, 1.07) for t in TEAMS}
        self.teams = sorted(self.era.teams, key=lambda t: t.team_id)  # id order, as TEAMS: draws stay as they were
        self.unkept = frozenset(f for f in STAT_FIELDS if not stat_kept(f, season, player=False))
        self.games: dict[str, Game] = {}

    def build(self) -> Season:
        """Generate everything in calendar order of dependency."""
        self._preseason()
        regular = self._regular_season() if len(self.teams) == len(TEAMS) else self._any_regular_season()
        first, last = min(g.game_date for g in regular), max(g.game_date for g in regular)
        self._neutral_sites(regular)
        if self.era.has_cup_final:
            self._cup_final()
        if self.era.has_all_star:
            self._all_star()
        season = Season(self.season, {}, first, last)
        season.seeds = self._seeds(regular)
        if self.era.has_play_in:
            by_conference = self._play_in(season.seeds, last)
            fields = [by_conference["East"], by_conference["West"]]
        else:
            fields = playoff_field(self.era, self.rank)
        self._playoffs(fields, last)
        season.games = dict(sorted(self.games.items(), key=lambda kv: (kv[1].game_date, kv[0])))
        return season

    def _game(self, gid: str, day: date, home: int, away: int, **kw: Any) -> Game:
        """Create and simulate one game with an rng private to its id (stable under edits)."""
        rng = random.Random(f"{self.league.seed}:{gid}:box")
        rosters = {home: self.league.rotation(rng, home), away: self.league.rotation(rng, away)}
        kw.setdefault("time_et", rng.choice(_TIMES))
        ht = team_by_id(home)
        kw.setdefault("arena", (f"{ht.city} Arena", ht.city, ""))
        lines, overtimes = _play(rng, rosters, self.strength, home, self.unkept)
        game = Game(gid, self.season, day, home, away, lines, overtimes=overtimes, **kw)
        self.games[gid] = game
        return game

    def _preseason(self) -> None:
        """Three random rounds of exhibition games, Oct 4-18 (with an odd count, one team sits out)."""
        pairs: list[tuple[date, int, int]] = []
        ids = [t.team_id for t in self.teams]
        for r in range(3):
            order = ids[:]
            self.rng.shuffle(order)
            for i in range(0, len(order) - 1, 2):
                day = date(self.year, 10, 4 + 5 * r + self.rng.randrange(5))
                pairs.append((day, order[i], order[i + 1]))
        pairs.sort()
        for n, (day, home, away) in enumerate(pairs, start=1):
            self._game(f"001{self.yy}{n:05d}", day, home, away, series_text="Preseason", label="Preseason")

    def _regular_days(self) -> list[date]:
        """164 game days between Oct 22 and Apr 13 avoiding holidays and the All-Star break."""
        start, end = date(self.year, 10, 22), date(self.year + 1, 4, 13)
        asg = _third_sunday_of_february(self.year + 1)
        blocked = {_thanksgiving(self.year), date(self.year, 12, 24), date(self.year, 12, 16)}
        blocked |= {asg + timedelta(days=k) for k in range(-2, 4)}
        days = [start + timedelta(days=k) for k in range((end - start).days + 1)]
        days = [d for d in days if d not in blocked]
        extra = len(days) - 164
        drop = set(self.rng.sample(range(1, len(days) - 1), extra)) if extra > 0 else set()
        return [d for i, d in enumerate(days) if i not in drop]

    def _regular_season(self) -> list[Game]:
        """82 rounds of perfect matchings (29+29+24), two game days per round, balanced home/away."""
        ids = [t.team_id for t in self.teams]
        self.rng.shuffle(ids)
        base = _round_robin(ids)
        rounds = base + base + self.rng.sample(base, 24)
        self.rng.shuffle(rounds)
        days = self._regular_days()
        homes = {t: 0 for t in ids}
        last_home: dict[frozenset[int], int] = {}
        slots: list[tuple[date, int, int]] = []
        for k, rnd in enumerate(rounds):
            first_day = self.rng.randint(6, 9)
            for i, (a, b) in enumerate(rnd):
                home, away = self._pick_home(a, b, homes, last_home)
                slots.append((days[2 * k + (0 if i < first_day else 1)], home, away))
        slots.sort()
        return [
            self._game(f"002{self.yy}{n:05d}", day, home, away)
            for n, (day, home, away) in enumerate(slots, start=1)
        ]

    def _any_days(self) -> list[date]:
        """Every day of the season's window but the days off: Oct 22 - Apr 13 for 80 games or
        more, Nov 1 - Mar 24 for the shorter seasons of the early league."""
        long = self.era.games_per_team >= 80
        start = date(self.year, 10, 22) if long else date(self.year, 11, 1)
        end = date(self.year + 1, 4, 13) if long else date(self.year + 1, 3, 24)
        blocked = {_thanksgiving(self.year), date(self.year, 12, 24)}
        if self.era.has_all_star:
            asg = _third_sunday_of_february(self.year + 1)
            blocked |= {asg + timedelta(days=k) for k in range(-2, 4)}
        days = [start + timedelta(days=k) for k in range((end - start).days + 1)]
        return [d for d in days if d not in blocked]

    def _any_regular_season(self) -> list[Game]:
        """Any league size and season length: exactly ``games_per_team`` games each, balanced home/away."""
        ids = [t.team_id for t in self.teams]
        self.rng.shuffle(ids)
        dated = _spread(self.rng, _season_pairs(self.rng, ids, self.era.games_per_team), self._any_days())
        dated.sort()
        homes = {t: 0 for t in ids}
        last_home: dict[frozenset[int], int] = {}
        slots = sorted((day, *self._pick_home(a, b, homes, last_home)) for day, a, b in dated)
        return [
            self._game(f"002{self.yy}{n:05d}", day, home, away)
            for n, (day, home, away) in enumerate(slots, start=1)
        ]

    def _pick_home(
        self, a: int, b: int, homes: dict[int, int], last_home: dict[frozenset[int], int]
    ) -> tuple[int, int]:
        """Home goes to the team with fewer home games; rematches alternate venues."""
        key = frozenset((a, b))
        if homes[a] != homes[b]:
            home = a if homes[a] < homes[b] else b
        elif key in last_home:
            home = b if last_home[key] == a else a
        else:
            home = a if self.rng.random() < 0.5 else b
        homes[home] += 1
        last_home[key] = home
        return home, (b if home == a else a)

    def _neutral_sites(self, regular: list[Game]) -> None:
        """Regular-season games played at a neutral site, drawn from an rng of their own so
        that the rest of the season is what it would be without them.

        Where the season has a schedule: one or two international games, which the schedule
        designates as usual and flags isNeutral, while both log rows read "@" (as the real
        2025-26 log does). Where it has none: a handful of neutral-site games whose logs do
        not designate, some with "@" on both rows, some with "vs." on both.
        """
        rng = random.Random(f"{self.league.seed}:{self.season}:neutral")
        if self.league.has_schedule(self.season):
            midseason = [g for g in regular if g.game_date.month in (11, 12, 1)]
            for game in rng.sample(midseason, rng.choice((1, 2))):
                site = rng.choice(_INTERNATIONAL_SITES)
                game.neutral, game.log_marker, game.arena, game.label = True, "@", site, f"NBA {site[1]} Game"
            return
        for k, game in enumerate(rng.sample(regular, rng.randint(4, 6))):
            game.neutral, game.log_marker = True, ("@" if k % 2 == 0 else "vs.")

    def _cup_final(self) -> None:
        """NBA Cup championship: one East v West game in Las Vegas on Dec 16."""
        east = self.rng.choice([t.team_id for t in self.teams if t.conference == "East"])
        west = self.rng.choice([t.team_id for t in self.teams if t.conference == "West"])
        home, away = (east, west) if self.rng.random() < 0.5 else (west, east)
        self._game(
            f"006{self.yy}00001", date(self.year, 12, 16), home, away, neutral=True,
            label="Emirates NBA Cup", sub_label="Championship", series_text="Championship",
            subtype="in-season-knockout", arena=("T-Mobile Arena", "Las Vegas", "NV"), time_et="20:30",
        )

    def _all_star(self) -> None:
        """All-Star game: East v West All-Stars (ids 1610616833/4) on All-Star Sunday."""
        day = _third_sunday_of_february(self.year + 1)
        gid = f"003{self.yy}00001"
        rng = random.Random(f"{self.league.seed}:{gid}:box")
        rosters = {}
        for team, conf in ((ALL_STAR_EAST_ID, "East"), (ALL_STAR_WEST_ID, "West")):
            pool = [p for t in self.teams if t.conference == conf for p in self.league.roster(t.team_id)]
            rosters[team] = sorted(pool, key=lambda p: (-p.usage, p.player_id))[:12]
        strength = {ALL_STAR_EAST_ID: 1.0, ALL_STAR_WEST_ID: 1.0}
        lines, overtimes = _play(rng, rosters, strength, ALL_STAR_EAST_ID, self.unkept)
        self.games[gid] = Game(
            gid, self.season, day, ALL_STAR_EAST_ID, ALL_STAR_WEST_ID, lines, overtimes=overtimes, time_et="20:00",
            neutral=True, label="NBA All-Star Game", arena=("All-Star Arena", "", ""),
        )

    def _seeds(self, regular: list[Game]) -> dict[int, int]:
        """Conference seeds from generated results: wins, then point differential, then id."""
        wins = {t.team_id: 0 for t in self.teams}
        diff = {t.team_id: 0 for t in self.teams}
        for g in regular:
            w = g.winner()
            wins[w] += 1
            margin = abs(g.points(g.home_id) - g.points(g.away_id))
            diff[w] += margin
            diff[g.opponent(w)] -= margin
        seeds: dict[int, int] = {}
        for conf in ("East", "West"):
            teams = [t.team_id for t in self.teams if t.conference == conf]
            teams.sort(key=lambda t: (-wins[t], -diff[t], t))
            seeds.update({t: i for i, t in enumerate(teams, start=1)})
        self.rank = {t: (-wins[t], -diff[t], t) for t in wins}
        return seeds

    def _play_in(self, seeds: dict[int, int], last: date) -> dict[str, list[int]]:
        """Play-in per conference (7v8, 9v10, loser v winner); returns the 8 playoff teams by conf."""
        out: dict[str, list[int]] = {}
        for c, conf in enumerate(("East", "West")):
            by_seed = {s: t for t, s in seeds.items() if team_by_id(t).conference == conf}
            day1 = last + timedelta(days=2 + c)
            kw = {"label": "SoFi Play-In Tournament", "seeds": seeds}
            g78 = self._game(f"005{self.yy}001{c}1", day1, by_seed[7], by_seed[8], **kw)
            g910 = self._game(f"005{self.yy}001{2 + c}1", day1, by_seed[9], by_seed[10], **kw)
            loser78 = g78.opponent(g78.winner())
            last_game = self._game(f"005{self.yy}002{c}1", last + timedelta(days=5), loser78, g910.winner(), **kw)
            out[conf] = [by_seed[s] for s in range(1, 7)] + [g78.winner(), last_game.winner()]
        return out

    def _playoffs(self, fields: list[list[int]], last: date) -> None:
        """Rounds of best-of-7 series with 2-2-1-1-1 home court down to the NBA Finals.

        ``fields``: the seeded teams, East's and West's (conference brackets, their winners
        meeting in the Finals) or one league-wide list. The Finals are always round 4, as
        the round digit of the game id says: a 16-team bracket plays rounds 1-4, an 8-team
        one rounds 2-4, a 4-team one rounds 3-4.
        """
        playoff_seeds = {t: i for field_ in fields for i, t in enumerate(field_, start=1)}
        by_conference = len(fields) == 2
        # round 1 pairs by seed: for 8 a conference 1v8, 4v5, 3v6, 2v7 -> series 0-3 East, 4-7 West
        pairs = [(ts[a - 1], ts[b - 1]) for ts in fields for a, b in _BRACKETS[len(ts)]]
        start = last + timedelta(days=7)
        n_rounds = (2 * len(pairs)).bit_length() - 1  # log2 of the field's size
        for rnd in range(5 - n_rounds, 5):
            winners, end = [], start
            for s, (a, b) in enumerate(pairs):
                w, series_end = self._series(
                    rnd, s, a, b, start + timedelta(days=s % 2), playoff_seeds, by_conference
                )
                winners.append(w)
                end = max(end, series_end)
            if len(winners) == 1:
                break
            pairs = [(winners[i], winners[i + 1]) for i in range(0, len(winners), 2)]
            start = end + timedelta(days=3)

    def _series(
        self, rnd: int, s: int, a: int, b: int, start: date, seeds: dict[int, int], by_conference: bool
    ) -> tuple[int, date]:
        """Play one series until 4 wins; returns the winner and the date of its last game."""
        high, low = (a, b) if self.rank[a] < self.rank[b] else (b, a)
        conf = team_by_id(high).conference
        if rnd == 4:
            label = _ROUND_NAMES[rnd]
        else:
            label = f"{conf} {_ROUND_NAMES[rnd]}" if by_conference else _LEAGUE_ROUND_NAMES[rnd]
        wins = {high: 0, low: 0}
        day = start
        for g in range(1, 8):
            home, away = (high, low) if g in (1, 2, 5, 7) else (low, high)
            day = start + timedelta(days=2 * (g - 1))
            game = self._game(
                f"004{self.yy}00{rnd}{s}{g}", day, home, away, label=label, sub_label=f"Game {g}",
                series_game_number=f"Game {g}", seeds={high: seeds[high], low: seeds[low]},
            )
            game.series_before = _series_text(wins, high, low) if g > 1 else ""
            wins[game.winner()] += 1
            game.series_text = _series_text(wins, high, low)
            if max(wins.values()) == 4:
                break
        return max(wins, key=lambda t: wins[t]), day


def _series_text(wins: dict[int, int], high: int, low: int) -> str:
    """'BOS leads 2-1' / 'Series tied 2-2' / 'BOS wins 4-2' after a game."""
    lead = high if wins[high] >= wins[low] else low
    won, lost = wins[lead], wins[high if lead == low else low]
    abbr = team_by_id(lead).abbreviation
    if won == 4:
        return f"{abbr} wins {won}-{lost}"
    return f"Series tied {won}-{lost}" if won == lost else f"{abbr} leads {won}-{lost}"


ANOMALY_KINDS = ("drop_team_row", "drop_player_rows", "null_team_pts")


class SyntheticLeague:
    """Deterministic league over ``seasons``; seasons are generated lazily and cached.

    ``schedules_from``: the first season ``scheduleleaguev2`` has a schedule for; for an
    earlier one it answers the empty envelope of an unknown season, while the game logs
    serve the season as usual. It also decides which kind of neutral-site games a season
    has (see ``_SeasonBuilder._neutral_sites``).

    Mutations (stat corrections, postponements, anomalies, data faults) bump ``version``
    so that response caches built on top of the league know to rebuild.
    """

    def __init__(
        self, seasons: Iterable[str], seed: int = 0, schedules_from: str = DEFAULT_SCHEDULES_FROM
    ) -> None:
        self.seasons = list(seasons)
        for s in self.seasons:
            if not _valid_season(s):
                raise ValueError(f"season must look like 2024-25, got {s!r}")
            era_of(s)  # the league starts in 1946-47
        if not _valid_season(schedules_from):
            raise ValueError(f"schedules_from must look like 2001-02, got {schedules_from!r}")
        self.schedules_from = schedules_from
        self.seed = seed
        self.version = 0
        self.anomalies: dict[str, dict[str, int]] = {}  # game_id -> {kind: team_id}
        self._seasons: dict[str, Season] = {}
        self._rosters = self._make_rosters()

    # ---- teams and players -------------------------------------------------
    @property
    def teams(self) -> tuple[Team, ...]:
        """The 30 real teams."""
        return TEAMS

    def _make_rosters(self) -> dict[int, list[Player]]:
        """15 players per team with ids 1,600,000+ and deterministic names; same every season."""
        rng = random.Random(f"{self.seed}:rosters")
        rosters: dict[int, list[Player]] = {}
        used: set[str] = set()
        for i, team in enumerate(TEAMS):
            players = []
            for k in range(15):
                name = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"
                while name in used:
                    name = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"
                used.add(name)
                usage = round(max(0.5, 1.45 - 0.07 * k + rng.uniform(-0.1, 0.1)), 3)
                players.append(Player(1_600_000 + i * 100 + k, name, team.team_id, usage))
            rosters[team.team_id] = players
        return rosters

    def roster(self, team_id: int) -> list[Player]:
        """A team's 15 players, best first."""
        return self._rosters[team_id]

    def player(self, player_id: int) -> Player:
        """Look a player up by id."""
        team = TEAMS[(player_id - 1_600_000) // 100]
        return self._rosters[team.team_id][(player_id - 1_600_000) % 100]

    def rotation(self, rng: random.Random, team_id: int) -> list[Player]:
        """The 9-13 players who play a game: top 8 always, plus random bench players."""
        players = self._rosters[team_id]
        n = rng.randint(9, 13)
        bench = rng.sample(players[8:], n - 8)
        return players[:8] + sorted(bench, key=lambda p: p.player_id)

    # ---- seasons -------------------------------------------------------------
    def season(self, season: str) -> Season:
        """The generated season (built on first access); KeyError if not in ``seasons``."""
        if season not in self.seasons:
            raise KeyError(season)
        if season not in self._seasons:
            logger.debug("generating season %s (seed %s)", season, self.seed)
            self._seasons[season] = _SeasonBuilder(self, season).build()
        return self._seasons[season]

    def has_schedule(self, season: str) -> bool:
        """Whether scheduleleaguev2 lists the season's games (else it answers the empty envelope)."""
        return season in self.seasons and season >= self.schedules_from

    def game(self, game_id: str) -> Game:
        """Find a game by id in the season its id encodes."""
        yy = int(game_id[3:5])
        for s in self.seasons:
            if int(s[2:4]) == yy:
                games = self.season(s).games
                if game_id in games:
                    return games[game_id]
        raise KeyError(game_id)

    # ---- hooks for correction and fault tests ---------------------------------------
    def correct_stat(self, game_id: str, player_id: int, points_delta: int) -> None:
        """Stat correction: change a player's points by makes (team totals follow, as sums)."""
        game = self.game(game_id)
        line = next(ln for tid in game.lines for ln in game.lines[tid] if ln.player_id == player_id)
        s = line.stats
        twos, ones = divmod(abs(points_delta), 2)
        sign = 1 if points_delta >= 0 else -1
        for stat_m, stat_a, n in (("FGM", "FGA", twos), ("FTM", "FTA", ones)):
            s[_IDX[stat_m]] += sign * n
            if sign > 0:
                s[_IDX[stat_a]] += n
        if min(s) < 0 or s[_IDX["FGM"]] < s[_IDX["FG3M"]]:
            raise ValueError(f"correction {points_delta} impossible for player {player_id}")
        if game.points(game.home_id) == game.points(game.away_id):
            raise ValueError("correction would make the game a tie")
        self.version += 1

    def postpone(self, game_id: str, new_date: date) -> None:
        """Move a game to ``new_date``; the schedule then flags it postponedStatus 'P'."""
        game = self.game(game_id)
        if game.original_date is None:
            game.original_date = game.game_date
        game.game_date = new_date
        season = self.season(game.season)
        season.games = dict(sorted(season.games.items(), key=lambda kv: (kv[1].game_date, kv[0])))
        self.version += 1

    def inject_anomaly(self, kind: str, game_id: str, team_id: int | None = None) -> None:
        """Make the game log misbehave for one game: kinds in ANOMALY_KINDS (default team: away)."""
        if kind not in ANOMALY_KINDS:
            raise ValueError(f"unknown anomaly {kind!r}")
        game = self.game(game_id)
        self.anomalies.setdefault(game_id, {})[kind] = team_id if team_id is not None else game.away_id
        self.version += 1

    def drop_team_row(self, game_id: str, team_id: int | None = None) -> None:
        """The team log loses one team's row of the game."""
        self.inject_anomaly("drop_team_row", game_id, team_id)

    def drop_player_rows(self, game_id: str) -> None:
        """The player log loses every row of the game."""
        self.inject_anomaly("drop_player_rows", game_id)

    def null_team_points(self, game_id: str, team_id: int | None = None) -> None:
        """One team row of the game carries PTS null."""
        self.inject_anomaly("null_team_pts", game_id, team_id)

    def withhold_box_score(self, game_id: str, until: date) -> None:
        """A box score published late: while the clock is before ``until`` both game logs omit
        every row of the game, although the schedule already calls it Final with its score."""
        self.game(game_id).withheld_until = until
        self.version += 1

    def skew_schedule_score(self, game_id: str, delta: int) -> None:
        """A score the API never fixes: once the game is final, the schedule's home score (of
        the team it designates home) differs from the box score by ``delta``, for good. The
        logs and truth() keep the box score."""
        game = self._scheduled_game(game_id)
        if game.points(game.schedule_home_id) + delta < 0:
            raise ValueError(f"skew {delta} would make the schedule's home score negative")
        game.schedule_score_skew = delta
        self.version += 1

    def null_stat(self, game_id: str, column: str, until: date | None = None) -> None:
        """Both game logs serve ``column`` (one of BOX_COLUMNS) as null on every row of the game
        while the clock is before ``until`` (None: until ``clear_null_stat``); nothing else changes."""
        if column not in BOX_COLUMNS:
            raise ValueError(f"unknown box-score column {column!r}; known: {BOX_COLUMNS}")
        self.game(game_id).null_columns[column] = until
        self.version += 1

    def clear_null_stat(self, game_id: str, column: str | None = None) -> None:
        """The API fixes a ``null_stat``: one column of the game, or all of them (None)."""
        game = self.game(game_id)
        if column is None:
            game.null_columns.clear()
        else:
            game.null_columns.pop(column, None)
        self.version += 1

    def delay_play_by_play(self, game_id: str, until: date) -> None:
        """A play-by-play published late: while the clock is before ``until`` ``playbyplayv3``
        answers the game with no actions, although the game is final and its box score out."""
        self.game(game_id).play_by_play_until = until
        self.version += 1

    def play_by_play(self, game_id: str) -> PlayByPlay:
        """The game's play-by-play as ``playbyplayv3`` serves it once published (final, not
        delayed, from 1996-97 on), with its own account of what it holds (``period_points``,
        ``n_actions``): generated afresh from the current box score, so a stat correction
        shows at once (nothing is cached). KeyError for an unknown game."""
        from .playbyplay import play_by_play  # playbyplay builds on this module's types

        return play_by_play(self, self.game(game_id))

    def period_points(self, game_id: str) -> dict[int, list[int]]:
        """Team id -> the points the play-by-play gives the team in each period, overtimes
        included (they sum to the box score's points)."""
        return self.play_by_play(game_id).period_points

    def redesignate(self, game_id: str) -> None:
        """The schedule swaps the game's home and away teams (team objects and scores with
        them) while the game logs keep their matchups; a second call swaps them back.
        truth() follows the schedule: the project's rule is that the schedule's designation wins."""
        game = self._scheduled_game(game_id)
        game.redesignated = not game.redesignated
        self.version += 1

    def _scheduled_game(self, game_id: str) -> Game:
        """The game, for a fault of the schedule: its season must have one."""
        game = self.game(game_id)
        if not self.has_schedule(game.season):
            raise ValueError(f"season {game.season} has no schedule (schedules_from={self.schedules_from})")
        return game

    # ---- what the marts must hold ------------------------------------------------------
    def truth(
        self, season: str, season_types: Iterable[str] = ("Regular Season",), now: date | None = None
    ) -> dict[str, Any]:
        """Ground truth for ``season`` restricted to ``season_types`` (wire names or type digits).

        What a correct pipeline holds once the API has published everything it will publish
        about the games final at ``now`` (None: every game final):

        - ``completed``: game id -> date, home, away, home_score, away_score, season_type and
          neutral. Home and away are the schedule's designation where the season has a
          schedule (``redesignate`` respected); without one, the logs': the "vs." team is
          home, and where both rows carry the same marker the team with the lower team_id is
          (the project's documented rule). ``neutral`` is the schedule's isNeutral, or without
          a schedule whether the logs leave the game undesignated. Scores are box scores
          (a ``skew_schedule_score`` does not touch them). A game whose box score is withheld
          is completed as soon as it is final by the clock: the marts must hold it eventually.
        - ``scheduled_not_completed``: games not final at ``now`` that the schedule lists (none
          where the season has no schedule: nothing tells a pipeline about them).
        - ``team_rows`` / ``player_rows``: the log rows of the completed games once published:
          a withheld game counts in full; rows the anomalies drop for good do not; a
          ``null_stat`` or ``null_team_points`` changes no count.
        - ``team_points`` / ``player_points``: box-score points by team id, null stats or not.
        - ``anomalies``: game id -> {kind: team_id} of ``inject_anomaly``.
        - ``withheld``: completed game id -> ISO date from which the API publishes its rows,
          for the games still withheld at ``now`` (a pipeline run at ``now`` cannot have them yet).
        - ``null_stats``: completed game id -> the columns both logs serve null at ``now``
          (``null_stat``; the era's unkept stats are ``stat_kept``'s business, not listed here).
        """
        digits = {SEASON_TYPES.get(t, t) for t in season_types}
        result: dict[str, Any] = {
            "season": season, "now": now.isoformat() if now else None, "completed": {},
            "scheduled_not_completed": [], "team_rows": 0, "player_rows": 0,
            "team_points": {}, "player_points": {}, "anomalies": {}, "withheld": {}, "null_stats": {},
        }
        if season not in self.seasons:
            return result
        for game in self.season(season).visible_games(now):
            if game.type_digit in digits:
                self._truth_game(result, game, now)
        result["scheduled_not_completed"].sort()
        return result

    def published_sides(self, game: Game) -> tuple[int, int, bool]:
        """(home, away, neutral) as the API lets a pipeline know them; see ``truth``."""
        if self.has_schedule(game.season):
            return game.schedule_home_id, game.schedule_away_id, game.neutral
        if game.log_marker:
            low, high = sorted((game.home_id, game.away_id))
            return low, high, True
        return game.home_id, game.away_id, False

    def _truth_game(self, result: dict[str, Any], game: Game, now: date | None) -> None:
        """Add one game to a truth() result."""
        gid = game.game_id
        if not is_final(game, now):
            if self.has_schedule(game.season):
                result["scheduled_not_completed"].append(gid)
            return
        home_id, away_id, neutral = self.published_sides(game)
        home, away = game.points(home_id), game.points(away_id)
        result["completed"][gid] = {
            "date": game.game_date.isoformat(), "home": home_id, "away": away_id,
            "home_score": home, "away_score": away, "season_type": TYPE_NAMES[game.type_digit],
            "neutral": neutral,
        }
        result["team_points"][gid] = {home_id: home, away_id: away}
        result["player_points"][gid] = {
            tid: sum(ln.points for ln in lines) for tid, lines in game.lines.items()
        }
        anomalies = self.anomalies.get(gid, {})
        if anomalies:
            result["anomalies"][gid] = dict(anomalies)
        if game.withheld_until is not None and game.box_score_withheld(now):
            result["withheld"][gid] = game.withheld_until.isoformat()
        nulls = game.null_columns_at(now)
        if nulls:
            result["null_stats"][gid] = nulls
        result["team_rows"] += 1 if "drop_team_row" in anomalies else 2
        if "drop_player_rows" not in anomalies:
            result["player_rows"] += sum(len(lines) for lines in game.lines.values())


def _valid_season(season: str) -> bool:
    """'YYYY-YY' with YY = YYYY+1 mod 100, as the real API demands."""
    if len(season) != 7 or season[4] != "-" or not (season[:4] + season[5:]).isdigit():
        return False
    return (int(season[:4]) + 1) % 100 == int(season[5:])


def valid_season(season: str) -> bool:
    """Public wrapper of the season format check (used by the wire layer)."""
    return _valid_season(season)
