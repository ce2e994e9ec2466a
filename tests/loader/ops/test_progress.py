"""The backfill's progress: one live display on a terminal that log lines print above, plain
lines elsewhere; seasons and games counted, the time left with the marts in it."""

from __future__ import annotations

import io
import logging
import os
import re
import select

from loader.ops.progress import MARTS_SECONDS, Progress

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_plain_lines_count_seasons_and_games_and_guess_the_time_left_before_anything_lands() -> None:
    stream = io.StringIO()
    progress = Progress(10, lambda: 7, stream, seconds_per_season=5.0)
    # Before the first batch lands: the pacing's guess for every season, and the marts
    assert progress.seconds_left() >= 10 * 5.0 + 10 * MARTS_SECONDS["seasons"] - 1
    progress.show()
    progress.fetching = "1996-97"
    progress.show()  # nothing landed since the last line: no new line
    progress.done = progress.done_this_run = 2
    progress.games = 2_460
    progress.show()
    progress.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in stream.getvalue()
    assert lines[0].startswith("backfill 0/10 seasons  0 games  7 requests")
    assert "backfill 2/10 seasons  2,460 games  7 requests" in lines[1] and "left (marts included)" in lines[1]


def test_play_by_play_lines_count_games_and_the_time_left_at_the_pacing() -> None:
    stream = io.StringIO()
    # 1,230 games at a second and a tenth a request (NBA_REQUEST_DELAY and the answer)
    progress = Progress(1_230, lambda: 0, stream, seconds_per_season=1.1, unit="games")
    assert 1_230 * 1.1 <= progress.seconds_left() <= 1_230 * 1.1 + 1_230 * MARTS_SECONDS["games"] + 1
    progress.show()
    progress.done = progress.done_this_run = 430
    progress.show()  # fetched, none loaded yet: a line is printed for each batch that lands
    progress.games = 400
    progress.show()
    progress.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("backfill play-by-play 0/1230 games  0 loaded")
    assert lines[1].startswith("backfill play-by-play 430/1230 games  400 loaded")
    assert "left (marts included)" in lines[1]


def test_on_a_terminal_log_lines_print_above_one_live_display() -> None:
    main, side = os.openpty()
    terminal = os.fdopen(side, "w", buffering=1)
    handler = logging.StreamHandler(terminal)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        progress = Progress(3, lambda: 0, terminal, seconds_per_season=1.0)
        for season in range(3):
            logging.getLogger("loader.test").warning("season %s: a log line, whole", season)
            progress.done = progress.done_this_run = season + 1
            progress.games += 1_230
            progress.show()
        progress.close()
        assert handler.stream is terminal, "the handler writes to the terminal again"
    finally:
        root.removeHandler(handler)
        terminal.close()
    output = b""
    while chunk := _read_available(main):
        output += chunk
    os.close(main)
    lines = [ANSI.sub("", line) for line in re.split(r"\r?\n|\r", output.decode())]
    logged = [line for line in lines if "a log line" in line]
    assert len(logged) == 3 and all(line.strip().endswith("a log line, whole") for line in logged), logged
    assert not any("seasons" in line for line in logged), "no log line shares a line with the display"
    assert any(re.search(r"backfill .*3/3 seasons .*3,690 games", line) for line in lines), lines[-5:]


def _read_available(fd: int) -> bytes:
    """What the terminal shows that is not read yet (Linux answers EIO once its other end closed and all is read)."""
    ready, _, _ = select.select([fd], [], [], 0.2)
    try:
        return os.read(fd, 65536) if ready else b""
    except OSError:
        return b""
