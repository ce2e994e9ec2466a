"""nba-elt: a nightly ELT of NBA games and box scores from the NBA Stats API.

The data's path through the package:

    nba_stats/    the dlt source: the paced, retried client and the answers' checks (helpers),
                  the raw tables' hints and keys (settings), the source and its resources
    runs/         a run: the nightly sync and the backfill, what they plan and fetch, the load
                  into schema raw, dbt's models (schema nba) and audits (runs.dbt)
    ops/          operating it: the flight recorder (audit.pipeline_audit), the run lock,
                  pre-flight, status and the Pulse, logs, redaction
    settings.py   every setting, from the environment; database.py, the connections;
    cli.py        the `nba-elt` command
"""

import os

# dlt reads its runtime settings once, when it first starts, before any pipeline exists:
# the one that matters is set here, for every entry point (the CLI, the tests, the
# benchmarks), unless the environment says otherwise. No network but the stats API: dlt
# never phones home. Its settings for loads are in loader.runs.steps.DLT_SETTINGS.
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
