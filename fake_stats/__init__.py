"""A fake NBA Stats API on loopback, backed by a deterministic synthetic league.

Public API: ``SyntheticLeague`` (league.py), the wire builders (wire.py) and
``FakeStatsAPI`` / ``serve_forever`` (server.py).
"""

from .league import SEASON_TYPES, STAT_FIRST_SEASONS, Era, SyntheticLeague, Team, era_of, stat_kept
from .server import FakeStatsAPI, serve_forever

__all__ = [
    "SEASON_TYPES", "STAT_FIRST_SEASONS", "Era", "FakeStatsAPI", "SyntheticLeague", "Team", "era_of",
    "serve_forever", "stat_kept",
]
