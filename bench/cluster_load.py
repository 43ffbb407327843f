"""A bounded load on running Fengqiao web servers, as officers would make it.

Each virtual officer signs in, then repeats: the station's home page, the courtyard page,
the concern list, and records a concern (a POST with its CSRF token). Requests go round
robin over the given servers, as behind a load balancer. Prints one JSON summary:
requests, errors (with samples), concerns recorded, latency percentiles, throughput.

    python bench/cluster_load.py --plan plan.json

plan.json: {"servers": ["http://127.0.0.1:8001", ...], "password": "...",
            "marker": "load-1", "iterations": 10,
            "officers": [{"username": "dongling-officer", "station": "dongling",
                          "session_id": 1, "category": "烦心事"}, ...]}
"""

import argparse
import http.cookiejar
import itertools
import json
import re
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer to check, not to follow


class Officer:
    def __init__(self, plan: dict, who: dict, servers, tally):
        self.plan, self.who, self.servers, self.tally = plan, who, servers, tally
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())
        self.token = None

    def request(self, path: str, form: dict | None = None, expect=(200,)) -> str:
        # Cookies match by host, not port: a session made on one server goes to the
        # other too, and every server shares the one secret, as behind a load balancer.
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(next(self.servers) + path, data=data)  # noqa: S310
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=30) as response:
                status, body = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read().decode(errors="replace")
        except OSError as exc:
            status, body = 0, str(exc)
        self.tally.record(time.perf_counter() - started, status in expect,
                          f"{'POST' if form else 'GET'} {path} -> {status}")
        match = CSRF_RE.search(body)
        if match:
            self.token = match.group(1)
        return body

    def run(self) -> None:
        who, plan = self.who, self.plan
        self.request("/auth/sign-in")
        self.request("/auth/sign-in", {"username": who["username"], "password": plan["password"],
                                       "csrf_token": self.token}, expect=(302,))
        station = f"/s/{who['station']}"
        for i in range(plan["iterations"]):
            self.request(f"{station}/")
            self.request(f"{station}/courtyard/")
            self.request(f"{station}/courtyard/concerns")
            self.request(
                f"{station}/courtyard/sessions/{who['session_id']}/concerns",
                {"csrf_token": self.token, "category": who["category"],
                 "title": f"{plan['marker']} {who['username']} {i}"}, expect=(302,))
            self.tally.posted(who["station"])


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.posts: dict[str, int] = {}

    def record(self, seconds: float, ok: bool, what: str) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if not ok:
                self.errors.append(what)

    def posted(self, station: str) -> None:
        with self.lock:
            self.posts[station] = self.posts.get(station, 0) + 1


def run(plan: dict) -> dict:
    tally = Tally()
    servers = itertools.cycle(plan["servers"])
    lock = threading.Lock()

    class _Servers:  # one shared round robin, safe across threads
        def __next__(self):
            with lock:
                return next(servers)

    officers = [Officer(plan, who, _Servers(), tally) for who in plan["officers"]]
    threads = [threading.Thread(target=o.run) for o in officers]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    ms = sorted(x * 1000 for x in tally.latencies)

    def pct(p):
        return round(ms[min(len(ms) - 1, int(len(ms) * p))], 1) if ms else None

    return {
        "requests": len(ms), "errors": len(tally.errors), "error_samples": tally.errors[:10],
        "concerns_posted": tally.posts, "seconds": round(elapsed, 2),
        "requests_per_second": round(len(ms) / elapsed, 1) if elapsed else None,
        "latency_ms": {"p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99),
                       "max": round(ms[-1], 1) if ms else None,
                       "mean": round(statistics.fmean(ms), 1) if ms else None},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", required=True)
    args = parser.parse_args()
    with open(args.plan, encoding="utf-8") as f:
        result = run(json.load(f))
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
