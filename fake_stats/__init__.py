"""A fake NBA Stats API on loopback, backed by a deterministic synthetic league.

Public API: ``SyntheticLeague`` (league.py), the wire builders (wire.py) and
``FakeStatsAPI`` / ``serve_forever`` (server.py).
"""

from .league import SEASON_TYPES, SyntheticLeague, Team
from .server import FakeStatsAPI, serve_forever

__all__ = ["SEASON_TYPES", "FakeStatsAPI", "SyntheticLeague", "Team", "serve_forever"]
