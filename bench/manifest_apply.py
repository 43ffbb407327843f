"""How long `fengqiao tenants apply` takes for a county of N stations (default 1,000).

Builds a fresh database (SQLite in a temporary folder, or the PostgreSQL database given),
writes a manifest of N stations, each with courtyard talks on (settings given for every
tenth) and one admin, then times a dry run, the first apply and a second, idempotent apply.

    .venv/bin/python bench/manifest_apply.py [--stations 1000] [--database-url URL]

With a PostgreSQL URL a throw-away database is created next to it and dropped afterwards.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import yaml
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import database, drop  # noqa: E402 - beside this script


def manifest(n: int) -> dict:
    stations = []
    for i in range(n):
        modules = {"courtyard": {"due_days": 7 + i % 20}} if i % 10 == 0 else ["courtyard"]
        stations.append({
            "slug": f"station-{i:04d}", "name": f"第{i:04d}派出所", "modules": modules,
            "admins": [{"username": f"admin-{i:04d}", "full_name": "测试管理员",
                        "phone": f"139{i:08d}"}],
        })
    return {"county": {"slug": "bench", "name": "基准测试县公安局"}, "stations": stations}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="fengqiao-bench-")
    os.environ["FENGQIAO_INSTANCE"] = folder
    url, dropper = database(args.database_url, folder)
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from tenants.models import Station

    app = create_app({"ENV": "test", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "REDIS_URL": None})
    path = Path(folder) / "county.yaml"
    path.write_text(yaml.safe_dump(manifest(args.stations), allow_unicode=True),
                    encoding="utf-8")
    runner = app.test_cli_runner()
    try:
        with app.app_context():
            upgrade(revision="heads")
        size = path.stat().st_size // 1024
        print(f"database: {url.split(':', 1)[0]}; manifest: {args.stations} stations, {size} KiB")
        for label, flags in (("dry run", ["--dry-run"]), ("first apply", []),
                             ("second apply (no change)", [])):
            started = time.perf_counter()
            result = runner.invoke(args=["tenants", "apply", *flags, str(path)])
            elapsed = time.perf_counter() - started
            if result.exit_code != 0:
                raise SystemExit(f"{label} failed:\n{result.output[-2000:]}")
            changes = sum(1 for line in result.output.splitlines() if line[:2] in
                          ("+ ", "~ ", "- "))
            print(f"{label:<26} {elapsed:7.2f} s   {changes:6d} changes")
        with app.app_context():
            count = db.session.scalar(select(func.count()).select_from(Station))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"stations in the database: {count}; peak memory {peak:.0f} MiB")
    finally:
        with app.app_context():
            db.engine.dispose()
        drop(dropper)


if __name__ == "__main__":
    main()
