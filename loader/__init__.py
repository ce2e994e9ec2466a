"""nba-elt: a nightly ELT of NBA games and box scores from the NBA Stats API.

The data's path: ``client`` (HTTP) -> ``source`` (dlt, schema ``raw``) -> ``transform``
(dbt, schema ``nba``) -> ``audit`` (``audit.pipeline_audit``), driven by ``pipeline``.
"""
