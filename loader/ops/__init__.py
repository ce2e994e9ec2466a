"""Operating the pipeline: the flight recorder (audit.py), one run at a time (lock.py), the
pre-flight checks (preflight.py), the status for people and machines (status.py, web.py and
its page), logging (logs.py) and the secrets no output may show (redaction.py).
"""
