"""The bare floor a page is measured against: a Flask app with plain SQLAlchemy that runs
exactly the SQL the product ran for the page (recorded from one real request) and renders
the rows with a small Jinja template. What the product spends above it is its own."""

import time

from flask import Flask, render_template_string
from sqlalchemy import create_engine, event

TEMPLATE = """<!doctype html><html lang="zh"><head><meta charset="utf-8">
<title>floor</title></head><body><main>
{% for rows in results %}<table>{% for row in rows %}<tr>{% for cell in row %}
<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</table>{% endfor %}
</main></body></html>"""


class Recorder:
    """Records the statements an engine runs while ``recording`` is on."""

    def __init__(self, engine):
        self.statements: list[tuple[str, object]] = []
        self.recording = False
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        if self.recording and not executemany:
            self.statements.append((statement, parameters))


def floor_app(url: str, statements: list[tuple[str, object]], setup=()) -> Flask:
    """A bare app whose ``/`` runs ``statements`` (the driver's own SQL and parameters) in
    one transaction, after ``setup`` (e.g. the session settings row security reads)."""
    engine = create_engine(url, pool_size=2)
    app = Flask("floor")

    @app.get("/")
    def page():
        results = []
        with engine.begin() as conn:
            raw = conn.connection.driver_connection
            cursor = raw.cursor()
            for statement, parameters in (*setup, *statements):
                if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    cursor.execute(statement, parameters or ())
                    results.append(cursor.fetchall())
            cursor.close()
        return render_template_string(TEMPLATE, results=results)

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
