"""The bare floor as a WSGI app for gunicorn, serving the pages recorded in the pickle at
``FLOOR_PAGES`` from ``FLOOR_DATABASE_URL``:

    FLOOR_PAGES=pages.pickle FLOOR_DATABASE_URL=... gunicorn --chdir bench floor_server:app
"""

import os
import pickle

from floor import floor_app

with open(os.environ["FLOOR_PAGES"], "rb") as f:
    app = floor_app(os.environ["FLOOR_DATABASE_URL"], pickle.load(f))  # noqa: S301 - our own file
