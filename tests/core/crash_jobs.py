"""Jobs for the crash test, run by real worker processes (they import this module)."""

import os
import time
from pathlib import Path

from sqlalchemy import event

from app.extensions import db
from app.station.notices import Notice


def add_notice(title: str, signals: str, pause: str, seconds: float = 120) -> str:
    """Add a notice. On its first run, pause where the test kills the worker: ``before``
    the job's transaction commits, or ``after`` it (before RQ hears the job is done). The
    signal file names the work horse and its worker, for the test to kill."""
    db.session.add(Notice(title=title))
    db.session.flush()
    marker = Path(signals) / title
    if marker.exists():
        return title  # a retry: no more pausing

    def signal_and_wait():
        marker.write_text(f"{os.getpid()} {os.getppid()}")
        time.sleep(seconds)

    if pause == "before":
        signal_and_wait()
    else:
        event.listen(db.session(), "after_commit", lambda session: signal_and_wait(), once=True)
    return title
