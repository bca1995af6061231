# Huikuan: `make run` starts the product, `make test` runs the whole suite; both install first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export HUIKUAN_DATABASE_URL ?= sqlite:///var/huikuan.db

.PHONY: install run test test-sqlite test-postgres lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Who the demo floor's messages and letters say is writing (set your own in production; see docs/messages.md).
run: export HUIKUAN_AGENCY_NAME ?= Huikuan Demo Services
run: export HUIKUAN_AGENCY_PHONE ?= 400-000-0000
run: export HUIKUAN_LETTER_RETURN_ADDRESS ?= PO Box 100|Beijing 100000
run: install
	mkdir -p var
	$(BIN)/huikuan init
	$(BIN)/huikuan demo --accounts 2000 --seed 7 --if-empty
	$(BIN)/huikuan plan
	@echo ""
	@echo "Huikuan is starting on http://127.0.0.1:8000  (API docs: http://127.0.0.1:8000/docs)"
	@echo "Log in as admin / huikuan-demo (supervisor, collector1..collector4: same password)"
	@echo ""
	# The jobs (outbox, promises, instalments, claims) in their own process beside the web server.
	$(BIN)/huikuan jobs worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; \
	$(BIN)/huikuan serve --host 127.0.0.1 --port 8000

# The whole suite on SQLite, then again on PostgreSQL (skipped locally without it, a failure under CI).
test: install
	$(BIN)/pytest -q -p no:cacheprovider
	HUIKUAN_TEST_DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -p no:cacheprovider tests/integration

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# The benchmarks of docs/benchmarks.md at their target sizes (long: about an hour and a half in all).
bench: install
	$(BIN)/python bench/compliance_bench.py
	$(BIN)/python bench/import_bench.py --rows 1000000 --db both
	$(BIN)/python bench/plan_bench.py --accounts 100000,300000,1000000 --db both
	$(BIN)/python bench/simulate_bench.py
	$(BIN)/python bench/lagrangian_bench.py
	$(BIN)/python bench/case_page_bench.py
	$(BIN)/python bench/floor_load.py --db sqlite --users 50 --duration 300
	$(BIN)/python bench/floor_load.py --db postgresql --users 50 --duration 300
	$(BIN)/python bench/floor_load.py --db postgresql --users 200 --duration 300 --workers 2
	$(BIN)/python bench/floor_load.py --db sqlite --mixed --duration 60
	$(BIN)/python bench/floor_load.py --db postgresql --mixed --duration 60

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
