"""python -m fake_stats: serve the fake NBA Stats API."""

from .server import main

if __name__ == "__main__":
    main()
