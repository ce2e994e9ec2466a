"""A deterministic synthetic NBA league: teams, rosters, schedules and box scores.

The league is the ground truth behind the fake stats API: every response the fake
serves is derived from it, and ``truth()`` states what a correct pipeline must load.
Everything derives from ``random.Random`` seeded with strings, so the same seed and
season always give byte-identical data, whichever other seasons are generated.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

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

# Season types: wire name -> game id type digit (the digit after the leading "00").
SEASON_TYPES: dict[str, str] = {
    "Pre Season": "1",
    "Regular Season": "2",
    "All Star": "3",
    "Playoffs": "4",
    "PlayIn": "5",
    "IST": "6",
}
TYPE_NAMES: dict[str, str] = {digit: name for name, digit in SEASON_TYPES.items()}

# Order of the stored counting stats of one player line.
STAT_FIELDS: tuple[str, ...] = (
    "MIN", "FGM", "FGA", "FG3M", "FG3A", "FTM", "FTA",
    "OREB", "DREB", "AST", "STL", "BLK", "TOV", "PF",
)
_IDX = {name: i for i, name in enumerate(STAT_FIELDS)}

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

    def visible_games(self, now: date | None) -> list[Game]:
        """Games the schedule shows at ``now``: postseason only after the regular season ended."""
        post_ok = now is None or now > self.last_regular_date
        return [g for g in self.games.values() if post_ok or g.type_digit not in ("4", "5")]


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


def _period_lines(rng: random.Random, players: list[Player], minutes: int, shoot: float) -> list[list[int]]:
    """Lines of one team for a stretch of ``minutes`` team-minutes (5 on court)."""
    weights = [p.usage * (1.7 if i < 5 else 1.0) for i, p in enumerate(players)]
    mins = split_int(minutes, weights)
    return [_player_line(rng, m, p.usage, shoot) for m, p in zip(mins, players, strict=True)]


def _play(
    rng: random.Random, rosters: dict[int, list[Player]], strength: dict[int, float], home_id: int
) -> dict[int, list[Line]]:
    """Simulate a game: regulation, then 5-minute overtimes until the points differ."""
    stats: dict[int, list[list[int]]] = {}
    for tid, players in rosters.items():
        bonus = 1.015 if tid == home_id else 1.0
        stats[tid] = _period_lines(rng, players, 240, strength[tid] * bonus)
    t1, t2 = list(rosters)
    for _ in range(6):
        if _pts(stats[t1]) != _pts(stats[t2]):
            break
        for tid, players in rosters.items():
            ot = _period_lines(rng, players[:8], 25, strength[tid])
            padded = ot + [[0] * len(STAT_FIELDS)] * (len(players) - len(ot))
            stats[tid] = [[a + b for a, b in zip(x, y, strict=True)] for x, y in zip(stats[tid], padded, strict=True)]
    if _pts(stats[t1]) == _pts(stats[t2]):  # last resort: one more made free throw
        stats[home_id][0][_IDX["FTM"]] += 1
        stats[home_id][0][_IDX["FTA"]] += 1
    return {tid: [Line(p.player_id, s) for p, s in zip(rosters[tid], stats[tid], strict=True)] for tid in rosters}


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
    """Circle-method rounds: 29 perfect matchings covering every pair once."""
    arr = list(teams)
    n = len(arr)
    rounds = []
    for _ in range(n - 1):
        rounds.append([(arr[i], arr[n - 1 - i]) for i in range(n // 2)])
        arr = [arr[0], arr[-1]] + arr[1:-1]
    return rounds


_TIMES = ("19:00", "19:00", "19:30", "19:30", "20:00", "22:00", "22:30")
_ROUND_NAMES = {1: "First Round", 2: "Conf. Semifinals", 3: "Conf. Finals", 4: "NBA Finals"}


class _SeasonBuilder:
    """Builds one Season from its own rng; split into steps to keep each small."""

    def __init__(self, league: SyntheticLeague, season: str) -> None:
        self.league = league
        self.season = season
        self.year = int(season[:4])
        self.yy = season[2:4]
        self.rng = random.Random(f"{league.seed}:{season}:season")
        self.strength = {t.team_id: self.rng.uniform(0.93, 1.07) for t in TEAMS}
        self.games: dict[str, Game] = {}

    def build(self) -> Season:
        """Generate everything in calendar order of dependency."""
        self._preseason()
        regular = self._regular_season()
        first, last = min(g.game_date for g in regular), max(g.game_date for g in regular)
        self._cup_final()
        self._all_star()
        season = Season(self.season, {}, first, last)
        season.seeds = self._seeds(regular)
        playoff_teams = self._play_in(season.seeds, last)
        self._playoffs(playoff_teams, season.seeds, last)
        season.games = dict(sorted(self.games.items(), key=lambda kv: (kv[1].game_date, kv[0])))
        return season

    def _game(self, gid: str, day: date, home: int, away: int, **kw: Any) -> Game:
        """Create and simulate one game with an rng private to its id (stable under edits)."""
        rng = random.Random(f"{self.league.seed}:{gid}:box")
        rosters = {home: self.league.rotation(rng, home), away: self.league.rotation(rng, away)}
        kw.setdefault("time_et", rng.choice(_TIMES))
        ht = team_by_id(home)
        kw.setdefault("arena", (f"{ht.city} Arena", ht.city, ""))
        game = Game(gid, self.season, day, home, away, _play(rng, rosters, self.strength, home), **kw)
        self.games[gid] = game
        return game

    def _preseason(self) -> None:
        """Three random rounds of exhibition games, Oct 4-18."""
        pairs: list[tuple[date, int, int]] = []
        ids = [t.team_id for t in TEAMS]
        for r in range(3):
            order = ids[:]
            self.rng.shuffle(order)
            for i in range(0, 30, 2):
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
        ids = [t.team_id for t in TEAMS]
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

    def _cup_final(self) -> None:
        """NBA Cup championship: one East v West game in Las Vegas on Dec 16."""
        east = self.rng.choice([t.team_id for t in TEAMS if t.conference == "East"])
        west = self.rng.choice([t.team_id for t in TEAMS if t.conference == "West"])
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
            pool = [p for t in TEAMS if t.conference == conf for p in self.league.roster(t.team_id)]
            rosters[team] = sorted(pool, key=lambda p: (-p.usage, p.player_id))[:12]
        strength = {ALL_STAR_EAST_ID: 1.0, ALL_STAR_WEST_ID: 1.0}
        lines = _play(rng, rosters, strength, ALL_STAR_EAST_ID)
        self.games[gid] = Game(
            gid, self.season, day, ALL_STAR_EAST_ID, ALL_STAR_WEST_ID, lines, time_et="20:00",
            neutral=True, label="NBA All-Star Game", arena=("All-Star Arena", "", ""),
        )

    def _seeds(self, regular: list[Game]) -> dict[int, int]:
        """Conference seeds 1-15 from generated results: wins, then point differential, then id."""
        wins = {t.team_id: 0 for t in TEAMS}
        diff = {t.team_id: 0 for t in TEAMS}
        for g in regular:
            w = g.winner()
            wins[w] += 1
            margin = abs(g.points(g.home_id) - g.points(g.away_id))
            diff[w] += margin
            diff[g.opponent(w)] -= margin
        self.league_record = {t: (wins[t], 82 - wins[t]) for t in wins}
        seeds: dict[int, int] = {}
        for conf in ("East", "West"):
            teams = [t.team_id for t in TEAMS if t.conference == conf]
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

    def _playoffs(self, teams: dict[str, list[int]], seeds: dict[int, int], last: date) -> None:
        """Four rounds of best-of-7 series (15 series) with 2-2-1-1-1 home court."""
        playoff_seeds = {t: i for conf in teams.values() for i, t in enumerate(conf, start=1)}
        self.po_seeds = playoff_seeds
        # round 1 pairs by seed: 1v8, 4v5, 3v6, 2v7 -> series 0-3 East, 4-7 West
        bracket = ((1, 8), (4, 5), (3, 6), (2, 7))
        pairs = [(ts[a - 1], ts[b - 1]) for ts in (teams["East"], teams["West"]) for a, b in bracket]
        start = last + timedelta(days=7)
        for rnd in range(1, 5):
            winners, end = [], start
            for s, (a, b) in enumerate(pairs):
                w, series_end = self._series(rnd, s, a, b, start + timedelta(days=s % 2), playoff_seeds)
                winners.append(w)
                end = max(end, series_end)
            if len(winners) == 1:
                break
            pairs = [(winners[i], winners[i + 1]) for i in range(0, len(winners), 2)]
            start = end + timedelta(days=3)

    def _series(self, rnd: int, s: int, a: int, b: int, start: date, seeds: dict[int, int]) -> tuple[int, date]:
        """Play one series until 4 wins; returns the winner and the date of its last game."""
        high, low = (a, b) if self.rank[a] < self.rank[b] else (b, a)
        conf = team_by_id(high).conference
        label = _ROUND_NAMES[rnd] if rnd == 4 else f"{conf} {_ROUND_NAMES[rnd]}"
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

    Mutations (stat corrections, postponements, anomalies) bump ``version`` so that
    response caches built on top of the league know to rebuild.
    """

    def __init__(self, seasons: Iterable[str], seed: int = 0) -> None:
        self.seasons = list(seasons)
        for s in self.seasons:
            if not _valid_season(s):
                raise ValueError(f"season must look like 2024-25, got {s!r}")
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

    # ---- what the marts must hold ------------------------------------------------------
    def truth(
        self, season: str, season_types: Iterable[str] = ("Regular Season",), now: date | None = None
    ) -> dict[str, Any]:
        """Ground truth for ``season`` restricted to ``season_types`` (wire names or type digits)."""
        digits = {SEASON_TYPES.get(t, t) for t in season_types}
        result: dict[str, Any] = {
            "season": season, "now": now.isoformat() if now else None, "completed": {},
            "scheduled_not_completed": [], "team_rows": 0, "player_rows": 0,
            "team_points": {}, "player_points": {}, "anomalies": {},
        }
        if season not in self.seasons:
            return result
        for game in self.season(season).visible_games(now):
            if game.type_digit in digits:
                self._truth_game(result, game, now)
        result["scheduled_not_completed"].sort()
        return result

    def _truth_game(self, result: dict[str, Any], game: Game, now: date | None) -> None:
        """Add one game to a truth() result (counting rows as the game log serves them)."""
        gid = game.game_id
        if not is_final(game, now):
            result["scheduled_not_completed"].append(gid)
            return
        home, away = game.points(game.home_id), game.points(game.away_id)
        result["completed"][gid] = {
            "date": game.game_date.isoformat(), "home": game.home_id, "away": game.away_id,
            "home_score": home, "away_score": away, "season_type": TYPE_NAMES[game.type_digit],
        }
        result["team_points"][gid] = {game.home_id: home, game.away_id: away}
        result["player_points"][gid] = {
            tid: sum(ln.points for ln in lines) for tid, lines in game.lines.items()
        }
        anomalies = self.anomalies.get(gid, {})
        if anomalies:
            result["anomalies"][gid] = dict(anomalies)
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
