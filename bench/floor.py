"""The bare floor a page is measured against: a Flask app with plain SQLAlchemy that runs
exactly the SQL the product ran for the page (recorded from one real request), under the
same row-security settings, and renders every row it read into a page laid out like the
product's (a header, a navigation, a table per query). What the product spends above it
is its own."""

import time

from flask import Flask, abort, render_template_string
from sqlalchemy import create_engine, event

# Like the product's shell: a header with the station, a navigation of a dozen links, the
# page's tables, a footer; every value escaped, as Jinja does in the product.
TEMPLATE = """<!doctype html><html lang="zh"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title><link rel="stylesheet" href="/static/app.css"></head><body>
<header><a href="/">枫桥</a><span>{{ title }}</span></header>
<nav><ul>{% for link in links %}<li><a href="/s/{{ link }}/">{{ link }}</a></li>{% endfor %}
</ul></nav><main>
{% for rows in results %}<table>{% for row in rows %}<tr>{% for cell in row %}
<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</table>{% endfor %}
</main><footer>中文 · English</footer></body></html>"""
LINKS = [f"module-{n}" for n in range(12)]
_SET_SCOPE = ("SELECT set_config('fengqiao.county_id', %s, true),"
              " set_config('fengqiao.station_id', %s, true),"
              " set_config('fengqiao.user_id', %s, true),"
              " set_config('fengqiao.token', %s, true)")


class Recorder:
    """Records the statements an engine runs while ``recording`` is on, each with the
    row-security settings it ran under (PostgreSQL)."""

    def __init__(self, engine):
        self.statements: list[tuple[str, object, tuple]] = []
        self.recording = False
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        from tenants.row_security import _wanted

        if self.recording and not executemany:
            self.statements.append((statement, parameters, _wanted()))

    @property
    def reads(self) -> int:
        return sum(_is_read(s) for s, _p, _w in self.statements)


def _is_read(statement: str) -> bool:
    return statement.lstrip().upper().startswith(("SELECT", "WITH"))


def run_page(engine, statements) -> list:
    """Run the recorded reads of one page in one transaction, setting the row-security
    scope whenever it changes, as the product does; the rows read."""
    results = []
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        cursor = raw.cursor()
        applied = None
        postgresql = engine.dialect.name == "postgresql"
        for statement, parameters, wanted in statements:
            if not _is_read(statement):
                continue
            if postgresql and wanted != applied:
                cursor.execute(_SET_SCOPE, wanted)
                applied = wanted
            cursor.execute(statement, parameters or ())
            results.append(cursor.fetchall())
        cursor.close()
    return results


def floor_app(url: str, pages: dict[str, list], pool_size: int = 2) -> Flask:
    """A bare app serving each recorded page at ``/<name>`` (``/`` for ``""``)."""
    engine = create_engine(url, pool_size=pool_size)
    app = Flask("floor")

    @app.get("/", defaults={"name": ""})
    @app.get("/<name>")
    def page(name):
        if name not in pages:
            abort(404)
        results = run_page(engine, pages[name])
        return render_template_string(TEMPLATE, title=name, links=LINKS, results=results)

    app.engine = engine
    return app


def timed(get, times: int, warm_ups: int = 1) -> list[float]:
    """Durations of ``times`` calls of ``get`` (after ``warm_ups`` untimed ones)."""
    for _ in range(warm_ups):
        get()
    out = []
    for _ in range(times):
        started = time.perf_counter()
        get()
        out.append(time.perf_counter() - started)
    return out
