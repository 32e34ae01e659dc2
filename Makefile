# Yikatong — every target sets up what it needs itself.
PY       ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
STAMP    := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
DEMO_DIR := .demo
PORT     ?= 8000

.PHONY: install demo test test-fast bench lint chromium wrk clean sample-data golden journeys

install: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml generator/__init__.py complaints_api/__init__.py
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip==26.3
	$(BIN)/python -m pip install -q -e '.[dev,prod,province]'
	touch $(STAMP)

# lunr.js (for the node test that loads every shard) and lighthouse (bench only)
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# Debian's Chromium for browser tests; never a downloaded browser.
chromium:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "请安装 Debian 的 chromium 包 (sudo apt-get install chromium)"; fi; }

# Demo staff accounts (local only): one handler per busy department, the 领导专班办公室 (督办),
# 纪委监委, an auditor. Each gets a demo email address: messages land in instance/notifications.log.
DEMO_HANDLERS := nyncj:handler mzj:handler czj:handler czjlzb:handler jwjw:handler sjj:auditor

demo: install
	@# the build writes its ledger and masked snapshots beside the data: a copy, so the
	@# repository's sample stays as committed
	rm -rf $(DEMO_DIR)/data && mkdir -p $(DEMO_DIR) && cp -R data $(DEMO_DIR)/data
	$(BIN)/yikatong build --data $(DEMO_DIR)/data --out site
	$(BIN)/flask --app complaints_api init-db
	@for pair in $(DEMO_HANDLERS); do dept=$${pair%%:*}; role=$${pair##*:}; \
	  echo "demo-$$dept-2026" | $(BIN)/flask --app complaints_api create-handler --username demo-$$dept \
	    --department $$dept --role $$role --email demo-$$dept@example.invalid --password-stdin >/dev/null 2>&1 || true; done
	@echo "演示账号（仅限本机）：demo-nyncj / demo-nyncj-2026 等，办理页面 http://127.0.0.1:$(PORT)/handler/login"
	@echo "通知（短信、邮件）未配置网关时写入 instance/notifications.log；notify --loop 与服务一同运行。"
	$(BIN)/flask --app complaints_api notify --loop --quiet & NOTIFY_PID=$$!; \
	  trap 'kill $$NOTIFY_PID 2>/dev/null' EXIT INT TERM; \
	  SESSION_COOKIE_SECURE=false $(BIN)/yikatong serve --site site --port $(PORT)

test: install chromium
	$(BIN)/python -m pytest -q -n 2

# The inner loop: no browser, no large builds.
test-fast: install
	$(BIN)/python -m pytest -q -n 2 -m "not browser and not slow"

# Journeys 1, 4, 5 at 360 × 740 in normal mode, 长辈模式 and 200 % zoom; a screenshot of every
# step is left in journeys-screenshots/ (look at them).
journeys: install chromium
	rm -rf journeys-screenshots
	$(BIN)/python -m pytest -q -m journeys tests/test_journeys.py
	@echo "截图：journeys-screenshots/"

# ruff, mypy, and the layer contracts (import-linter, in pyproject.toml)
lint: install
	$(BIN)/ruff check generator complaints_api tests bench
	$(BIN)/mypy generator complaints_api
	$(BIN)/lint-imports

# wrk: the complaint service's load generator (bench/complaints_bench.py)
wrk:
	@test -x /usr/bin/wrk || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null; \
	  else echo "请安装 Debian 的 wrk 包 (sudo apt-get install wrk)"; fi; }

bench: install chromium wrk
	$(BIN)/python bench/run.py

# Regenerate the repository's small sample county (never real people).
sample-data: install
	$(BIN)/yikatong sample --out data --records 2000 --seed 230521 --as-of 2026-11-20

# Regenerate golden files after an intended output change.
golden: install
	$(BIN)/python -m tests.golden --update

clean:
	rm -rf site site_src/docs site_src/mkdocs.yml $(DEMO_DIR) instance
