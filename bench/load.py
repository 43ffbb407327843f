"""An open-loop load: requests leave at a fixed rate whatever the server's answers, as
people's clicks do, so a slow server meets a growing queue instead of a politely waiting
client. Each request's latency counts from the moment it was due, not from when a thread
got round to sending it (no coordinated omission). Bounded: at most ``in_flight``
requests at once (one more due then counts as an error), loopback only.
"""

import http.client
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def merge(self, other: "Result") -> None:
        self.latencies += other.latencies
        self.errors += other.errors
        self.seconds += other.seconds

    def summary(self) -> dict:
        ms = sorted(1000 * x for x in self.latencies)

        def pct(p):
            return round(ms[min(len(ms) - 1, int(len(ms) * p))], 1) if ms else None

        return {"requests": len(ms) + len(self.errors), "errors": len(self.errors),
                "per_second": round((len(ms) + len(self.errors)) / self.seconds, 1)
                if self.seconds else None,
                "p50": round(statistics.median(ms), 1) if ms else None,
                "p95": pct(0.95), "p99": pct(0.99), "max": round(ms[-1], 1) if ms else None,
                "error_samples": self.errors[:5]}


def get(url: str, headers: dict, timeout: float = 10.0) -> tuple[int, bytes]:
    """One GET on a connection of its own (gunicorn's sync workers close each one)."""
    parts = urlsplit(url)
    if parts.hostname not in {"127.0.0.1", "localhost"}:
        raise ValueError("the load only goes to this machine")
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                     headers=headers)
        answer = conn.getresponse()
        return answer.status, answer.read()
    finally:
        conn.close()


def open_loop(targets: list[tuple[str, dict]], rate: float, seconds: float,
              in_flight: int = 64, timeout: float = 10.0) -> Result:
    """GET ``targets`` ((url, headers), in turn) at ``rate`` per second for ``seconds``."""
    result, lock = Result(), threading.Lock()
    busy = threading.BoundedSemaphore(in_flight)

    def send(url, headers, due):
        try:
            status, _body = get(url, headers, timeout)
            ok, what = status == 200, f"{url} -> {status}"
        except OSError as exc:
            ok, what = False, f"{url} -> {type(exc).__name__}"
        finally:
            busy.release()
        with lock:
            if ok:
                result.latencies.append(time.perf_counter() - due)
            else:
                result.errors.append(what)

    total = int(rate * seconds)
    started = time.perf_counter()
    with ThreadPoolExecutor(in_flight) as pool:
        for i in range(total):
            due = started + i / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            url, headers = targets[i % len(targets)]
            if not busy.acquire(blocking=False):
                with lock:
                    result.errors.append(f"{url} -> more than {in_flight} in flight")
                continue
            pool.submit(send, url, headers, due)
    result.seconds = time.perf_counter() - started
    return result
