"""The WSGI entry point: ``gunicorn --config python:app.gunicorn_conf app.wsgi:app``."""

from app import create_app

app = create_app()
