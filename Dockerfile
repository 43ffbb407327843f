# Fengqiao: one image for the web (gunicorn), the RQ worker, the RQ cron scheduler and the
# migration Job. Build:  docker build -t fengqiao:0.1.0 .
# Runs as uid/gid 10001 and works with a read-only root filesystem (writable /tmp only).

# Needs BuildKit (the default builder since Docker 23; DOCKER_BUILDKIT=1 before) for
# RUN --mount.

# --- build: compile the translations, build wheels of the package and its dependencies ----
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# Every dependency ships a manylinux wheel (psycopg[binary], argon2-cffi, PyYAML, ...), so
# no compiler is needed here either; a dependency without one would need build-essential
# in this stage only.
RUN python -m pip install --upgrade pip "Babel>=2.12"
COPY . .
# The .mo catalogues are build output (not in git): compile them before packaging.
RUN pybabel compile -d app/translations --statistics \
 && python -m pip wheel --wheel-dir /wheels .

# --- runtime -------------------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FENGQIAO_ENV=production \
    FENGQIAO_INSTANCE=/tmp/instance \
    PORT=8000 \
    HOME=/tmp
RUN groupadd --system --gid 10001 fengqiao \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin fengqiao
WORKDIR /app
# Pango for WeasyPrint (the county's printable report) and the CJK font it sets Chinese in.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
# Installed from the builder's wheels only (no index); pip byte-compiles them as it
# installs, so a read-only root filesystem costs nothing at start-up.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m pip install --no-index --find-links /wheels fengqiao
# Fail the build, not the rollout, when something the pods need is missing.
RUN python -c "import pathlib, app, plugins.courtyard, plugins.mediation, gunicorn, weasyprint; \
root = pathlib.Path(app.__file__).parent; \
needed = [root / 'translations/zh/LC_MESSAGES/messages.mo', root / 'templates/base.html', \
          root / 'static/vendor/VERSIONS', root.parent / 'migrations/env.py', \
          pathlib.Path(plugins.courtyard.__file__).parent / 'migrations']; \
missing = [str(p) for p in needed if not p.exists()]; \
assert not missing, f'missing from the image: {missing}'"
USER 10001:10001
EXPOSE 8000
# web; the chart runs `fengqiao worker`, `fengqiao scheduler` and `fengqiao db upgrade`
# from the same image.
CMD ["gunicorn", "--config", "python:app.gunicorn_conf", "app.wsgi:app"]
