# Huikuan: `make run` starts the product, `make test` runs the whole suite; both install first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export HUIKUAN_DATABASE_URL ?= sqlite:///var/huikuan.db
# Where `make run` serves (README: HUIKUAN_HOST, HUIKUAN_PORT), from the environment or `make run HUIKUAN_PORT=8080`.
HUIKUAN_HOST ?= 127.0.0.1
HUIKUAN_PORT ?= 8000
# The demo's WeChat official account, the one `make run`'s local WeChat answers for (src/huikuan/demo/wechat.py).
DEMO_WECHAT_APP_ID := wxd3m0a11ce0000001
# The demo's Aliyun Cloud Call Center instance and AccessKey id, the ones `make run`'s local call centre
# answers for (bench/call_centre.py; the users' seats in src/huikuan/demo/users.py).
DEMO_CCC_INSTANCE := ccc-huikuan-demo
DEMO_CCC_KEY_ID := LTAI5tHuikuanDemoCcc

.PHONY: install run test test-quick test-sqlite test-postgres lint bench clean vendor baselines

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Who the demo floor's messages and letters say is writing (set your own in production; see docs/messages.md).
run: export HUIKUAN_AGENCY_NAME ?= Huikuan Demo Services
run: export HUIKUAN_AGENCY_NAME_ZH ?= 回款演示服务
run: export HUIKUAN_AGENCY_PHONE ?= 400-000-0000
run: export HUIKUAN_LETTER_RETURN_ADDRESS ?= PO Box 100|Beijing 100000
# The demo's logins are printed below: no second factor on the demo floor (a real floor's default asks
# supervisors and administrators for one; docs/security.md).
run: export HUIKUAN_MFA_ROLES ?=
# The token the local SMS provider's replies carry (bench/sms_provider.py reply; docs/channels.md).
run: export HUIKUAN_SMS_TOKEN ?= huikuan-demo-sms-token
run: install
	mkdir -p -m 700 var
	$(BIN)/huikuan init
	$(BIN)/huikuan demo --accounts 2000 --seed 7 --if-empty
	# The reports' daily figures over the demo's 90 days of history (the jobs keep them from now on).
	$(BIN)/huikuan reports refresh --from $$(date -d '-95 days' +%F)
	@echo ""
	@echo "Huikuan is starting on http://$(HUIKUAN_HOST):$(HUIKUAN_PORT)  (API docs: http://$(HUIKUAN_HOST):$(HUIKUAN_PORT)/docs)"
	@echo "Log in as admin / huikuan-demo (supervisor, collector1..collector4: same password)"
	@echo "The demo's SMS go to a local stand-in provider, its e-mails to the mailbox var/mail (a local SMTP sink),"
	@echo "its letters to var/letters, its WeChat messages to a local stand-in WeChat (HUIKUAN_WECHAT_APP_ID"
	@echo "unset): the plan's messages go out at their slots (HUIKUAN_SMS_URL set: yours)."
	@echo "A debtor's SMS reply: $(BIN)/python bench/sms_provider.py reply --server http://$(HUIKUAN_HOST):$(HUIKUAN_PORT) --from +86... --text TD"
	@echo "Click-to-call rings the collector's seat at a local stand-in Aliyun call centre (HUIKUAN_TELEPHONY unset), which"
	@echo "ends each call a few seconds later (every 4th unanswered) and posts its record and recording back."
	@echo ""
	# The demo's SMS provider, mail server and WeChat: local stand-ins on free ports (unless HUIKUAN_SMS_URL,
	# HUIKUAN_SMTP_PORT or HUIKUAN_WECHAT_APP_ID say otherwise), then today's plan (which plans only
	# channels that can send), then the jobs (the plan's messages, the outbox, promises, instalments,
	# claims, the daily plan) in their own process beside the web server.
	free() { $(BIN)/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }; \
	sms_port=$$(free); smtp_port=$$(free); \
	$(BIN)/python bench/sms_provider.py --port $$sms_port --max-seconds 2592000 --verbose & sms=$$!; \
	$(BIN)/python -m aiosmtpd -n -u -l 127.0.0.1:$$smtp_port -c aiosmtpd.handlers.Mailbox var/mail & smtp=$$!; \
	if [ -z "$${HUIKUAN_WECHAT_APP_ID:-}" ]; then \
	  wx_port=$$(free); \
	  export HUIKUAN_WECHAT_APP_ID=$(DEMO_WECHAT_APP_ID) HUIKUAN_WECHAT_APP_SECRET=huikuan-demo-wechat-secret; \
	  export HUIKUAN_WECHAT_API_URL=http://127.0.0.1:$$wx_port; \
	  $(BIN)/python bench/wechat_server.py --port $$wx_port --app-id $$HUIKUAN_WECHAT_APP_ID \
	    --secret $$HUIKUAN_WECHAT_APP_SECRET --open --max-seconds 2592000 --verbose & wx=$$!; \
	fi; \
	if [ -z "$${HUIKUAN_TELEPHONY:-}" ]; then \
	  ccc_port=$$(free); \
	  export HUIKUAN_TELEPHONY=aliyun HUIKUAN_TELEPHONY_API_URL=http://127.0.0.1:$$ccc_port; \
	  export HUIKUAN_TELEPHONY_KEY_ID=$(DEMO_CCC_KEY_ID) HUIKUAN_TELEPHONY_KEY_SECRET=huikuan-demo-ccc-secret; \
	  export HUIKUAN_TELEPHONY_INSTANCE=$(DEMO_CCC_INSTANCE) HUIKUAN_TELEPHONY_CALLER_ID=+861065550100; \
	  export HUIKUAN_TELEPHONY_CALLBACK_SECRET=$${HUIKUAN_TELEPHONY_CALLBACK_SECRET:-huikuan-demo-call-callbacks}; \
	  $(BIN)/python bench/call_centre.py --port $$ccc_port --key-id $$HUIKUAN_TELEPHONY_KEY_ID \
	    --key-secret $$HUIKUAN_TELEPHONY_KEY_SECRET --instance $$HUIKUAN_TELEPHONY_INSTANCE --end-after 8 \
	    --callback-url http://$(HUIKUAN_HOST):$(HUIKUAN_PORT)/api/v1/callbacks/calls/aliyun/$$HUIKUAN_TELEPHONY_CALLBACK_SECRET \
	    --max-seconds 2592000 --verbose & ccc=$$!; \
	  echo "Calls go to a local stand-in Aliyun call centre on $$HUIKUAN_TELEPHONY_API_URL"; \
	fi; \
	trap 'kill $$sms $$smtp $${wx:-} $${ccc:-} $${worker:-} 2>/dev/null' EXIT; \
	export HUIKUAN_SMS_URL=$${HUIKUAN_SMS_URL:-http://127.0.0.1:$$sms_port/sms}; \
	export HUIKUAN_SMTP_HOST=$${HUIKUAN_SMTP_HOST:-127.0.0.1} HUIKUAN_SMTP_PORT=$${HUIKUAN_SMTP_PORT:-$$smtp_port}; \
	$(BIN)/huikuan plan && \
	{ $(BIN)/huikuan jobs worker & worker=$$!; \
	$(BIN)/huikuan serve --host $(HUIKUAN_HOST) --port $(HUIKUAN_PORT); }

# The whole suite on SQLite and, at the same time on the other core, the integration tests again on
# PostgreSQL (skipped locally without it, a failure under CI); the PostgreSQL half's output is kept in
# var/test-postgresql.log and printed after the SQLite half's. Either failing fails the target.
test: install
	mkdir -p -m 700 var
	HUIKUAN_TEST_DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -p no:cacheprovider tests/integration \
	  > var/test-postgresql.log 2>&1 & pg=$$!; \
	$(BIN)/pytest -q -p no:cacheprovider; sqlite=$$?; \
	wait $$pg; postgres=$$?; \
	echo "--- the integration tests on PostgreSQL (var/test-postgresql.log) ---"; \
	cat var/test-postgresql.log; \
	echo "SQLite: exit $$sqlite; PostgreSQL: exit $$postgres"; \
	test $$sqlite -eq 0 && test $$postgres -eq 0

# While working: the suite on SQLite without the tests marked slow (the browser, the API fuzzing, the
# fault and load tests); `make test` runs everything, as CI does.
test-quick: install
	$(BIN)/pytest -q -p no:cacheprovider -m "not slow"

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# The benchmarks of docs/benchmarks.md at their target sizes (long: about two and a half hours in all).
bench: install
	$(BIN)/python bench/compliance_bench.py
	$(BIN)/python bench/import_bench.py --rows 1000000 --db both
	$(BIN)/python bench/plan_bench.py --accounts 100000,300000,1000000 --db both
	$(BIN)/python bench/simulate_bench.py
	$(BIN)/python bench/expert_grid.py
	$(BIN)/huikuan simulate --sweep bench/sweep_doubt.toml --json > bench/out/sweep_doubt.json
	$(BIN)/python bench/calibration_bench.py
	$(BIN)/python bench/lagrangian_bench.py
	$(BIN)/python bench/case_page_bench.py
	$(BIN)/python bench/queue_bench.py --db both
	$(BIN)/python bench/statements_bench.py --payments 1000000 --accounts 100000 --db both
	$(BIN)/python bench/payment_post_bench.py --posts 200
	$(BIN)/python bench/floor_load.py --db sqlite --users 50 --duration 300
	$(BIN)/python bench/floor_load.py --db postgresql --users 50 --duration 300
	$(BIN)/python bench/floor_load.py --db postgresql --users 200 --duration 300 --workers 2
	$(BIN)/python bench/floor_load.py --db sqlite --mixed --duration 60
	$(BIN)/python bench/floor_load.py --db postgresql --mixed --duration 60
	$(BIN)/python bench/calls_bench.py --collectors 200 --seconds 300 --drop-after 120 --drop-for 60
	$(BIN)/python bench/calls_bench.py --collectors 200 --seconds 300 --drop-after 120 --drop-for 60 \
	  --database-url postgresql+psycopg://postgres@127.0.0.1:5432/hk_bench_calls --out bench/out/calls_bench-pg.json

# The visual regression test's baselines (tests/e2e/baselines/*.png) rewritten from what the browser shows
# now, after an intended change of the pages: look at them (git diff shows which changed), then commit them.
baselines: install
	HUIKUAN_UPDATE_BASELINES=1 $(BIN)/pytest -q -p no:cacheprovider tests/e2e/test_visual.py

# The browser assets in src/huikuan/web/static (and axe-core, for the browser tests' accessibility check,
# in tests/e2e/vendor) come from npm at the exact versions of package.json (package-lock.json): after
# changing a version, `make vendor` copies them in; the files are committed.
STATIC := src/huikuan/web/static
SWAGGER := node_modules/swagger-ui-dist
vendor:
	npm ci --ignore-scripts --no-audit --no-fund
	cp node_modules/htmx.org/dist/htmx.min.js $(STATIC)/htmx.min.js
	mkdir -p $(STATIC)/swagger-ui
	cp $(SWAGGER)/swagger-ui-bundle.js $(SWAGGER)/swagger-ui-bundle.js.LICENSE.txt $(SWAGGER)/swagger-ui.css \
	   $(SWAGGER)/LICENSE $(SWAGGER)/NOTICE $(STATIC)/swagger-ui/
	mkdir -p $(STATIC)/echarts
	cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE node_modules/echarts/NOTICE \
	   node_modules/echarts/licenses/LICENSE-d3 $(STATIC)/echarts/
	cp node_modules/axe-core/axe.min.js tests/e2e/vendor/axe.min.js
	cp node_modules/axe-core/LICENSE tests/e2e/vendor/axe-core.LICENSE

clean:
	rm -rf $(VENV) var node_modules .pytest_cache .mypy_cache .ruff_cache
