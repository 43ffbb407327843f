# The two commands: `make run` and `make test`. Each creates and uses .venv itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT      ?= 5000
PG_URL    ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
REDIS_URL_TEST ?= redis://127.0.0.1:6379/15

.PHONY: run test lint translations messages browsers test-sqlite test-postgres bench bench-county clean

# pip is brought up to date once, when the venv is made; later runs need no network
# unless pyproject.toml changed.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || { $(PYTHON) -m venv $(VENV) && \
		$(BIN)/pip install --quiet --upgrade pip; }
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile -d app/translations --statistics

# After changing strings: extract them and merge them into the Chinese catalogue (then
# translate the new entries; a test fails while one has no Chinese).
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_pgettext:1c,2 \
		-o app/translations/messages.pot .
	$(BIN)/pybabel -q update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

# Browser tests drive Debian's Chromium (Playwright cannot download its own browser here);
# the CJK font makes Chinese readable in screenshots.
browsers:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
		echo "Installing Debian's chromium and fonts-noto-cjk for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

run: $(STAMP) translations
	FENGQIAO_ENV=development $(BIN)/fengqiao db upgrade
	FENGQIAO_ENV=development FENGQIAO_BASE_URL=http://127.0.0.1:$(PORT) $(BIN)/fengqiao demo
	@echo
	@echo "  Fengqiao is running at http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	@echo
	FENGQIAO_ENV=development FENGQIAO_BASE_URL=http://127.0.0.1:$(PORT) \
		$(BIN)/fengqiao run --host 127.0.0.1 --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .

# The suite runs on SQLite, then again on PostgreSQL and Redis when they are reachable.
# Under CI (CI=true) they must be reachable.
test: lint translations browsers test-sqlite test-postgres

test-sqlite: $(STAMP) translations browsers
	$(BIN)/pytest -q -p no:cacheprovider

test-postgres: $(STAMP) translations browsers
	@if $(BIN)/python -m tests.services "$(PG_URL)" "$(REDIS_URL_TEST)"; then \
		TEST_DATABASE_URL="$(PG_URL)" TEST_REDIS_URL="$(REDIS_URL_TEST)" \
			$(BIN)/pytest -q -p no:cacheprovider; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL and Redis must be reachable under CI"; exit 1; \
	else \
		echo "PostgreSQL or Redis not reachable: skipped the second pass"; \
	fi

# Benchmarks (not part of `make test`): figures for the notes, on SQLite and PostgreSQL.
bench: $(STAMP) translations
	$(BIN)/python bench/manifest_apply.py --stations 1000
	$(BIN)/python bench/manifest_apply.py --stations 1000 --database-url "$(PG_URL)"
	$(BIN)/python bench/appointments_booking.py --database-url "$(PG_URL)"
	$(BIN)/python bench/tourism_lounge.py --database-url "$(PG_URL)"
	$(BIN)/python bench/ground_coverage.py --database-url "$(PG_URL)"
	$(BIN)/python bench/audit_verify.py --database-url "$(PG_URL)"
	$(BIN)/python bench/county_scale.py --database-url "$(PG_URL)" --stations 4 --seconds 20

# The county of issue 23 (40 stations × a year; about 20 minutes on 2 cores), kept in the
# database county40; then the county's comparison at 1,000 stations copied from it
# (about 15 minutes more).
bench-county: $(STAMP) translations
	$(BIN)/python bench/county_scale.py --database-url "$(PG_URL)" --stations 40 \
		--seconds 60 --explain county-plans.txt --keep county40
	$(BIN)/python bench/county_figures.py --database-url "$(PG_URL)" --from county40 \
		--stations 1000

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
