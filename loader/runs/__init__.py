"""What a run does: the nightly sync (nightly.py) and the backfill of history (backfill.py),
the steps they share (steps.py), what they ask for (plan.py), what the database already holds
(state.py), the reconciliation with the schedule (reconcile.py), one row per key in raw
(raw_keys.py) and dbt, run in-process (dbt.py).
"""
