"""Exit 0 when the PostgreSQL and Redis given on the command line answer (used by `make test`)."""

import sys


def reachable(pg_url: str, redis_url: str) -> bool:
    try:
        import psycopg
        from redis import Redis

        dsn = pg_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        Redis.from_url(redis_url, socket_connect_timeout=3).ping()
        return True
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        print(f"not reachable: {exc}", file=sys.stderr)
        return False


if __name__ == "__main__":
    sys.exit(0 if reachable(sys.argv[1], sys.argv[2]) else 1)
