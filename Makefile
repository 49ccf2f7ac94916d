# The two commands a newcomer needs: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
GOVUK := node_modules/govuk-frontend/dist/govuk
TEST_DATA ?= .data/test

.PHONY: help run test test-deps bench bench-pages faults fuzz build assets generate check schema clean db-stop

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

web/static/govuk/.copied: node_modules/.package-lock.json
	rm -rf web/static/govuk && mkdir -p web/static/govuk
	cp $(GOVUK)/govuk-frontend.min.css $(GOVUK)/govuk-frontend.min.js web/static/govuk/
	cp -R $(GOVUK)/assets web/static/govuk/assets
	@touch $@

assets: web/static/govuk/.copied ## install GOV.UK Frontend and copy it into web/static/govuk

generate: ## regenerate templ code (committed, so only needed after editing .templ files)
	go tool templ generate

build: assets ## build bin/thematic
	@echo "building bin/thematic (a first build fetches and compiles every module, a few minutes: each package is named as it compiles)"
	@go build -v -o bin/thematic ./cmd/thematic

run: build ## start PostgreSQL if needed, migrate, load demo data, serve on http://localhost:8080
	@echo "starting PostgreSQL (when DATABASE_URL is unset), migrating and loading the demo data"
	./bin/thematic seed demo
	./bin/thematic serve

# What the suite needs from the system: PostgreSQL's server binaries, Debian's chromium (browser
# tests) and pandoc (reads the reports' DOCX back). Installed with apt when missing and allowed
# (root, apt-get present); otherwise one line names what to install.
test-deps:
	@missing=(); \
	{ ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; } || missing+=(postgresql); \
	{ [ -n "$$CHROMIUM" ] || [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1; } || missing+=(chromium); \
	command -v pandoc >/dev/null 2>&1 || missing+=(pandoc); \
	if [ $${#missing[@]} -gt 0 ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "make test: installing $${missing[*]} with apt-get (needed by the tests)"; \
			export DEBIAN_FRONTEND=noninteractive; \
			apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $${missing[*]} >/dev/null || \
				{ echo "make test: apt-get could not install $${missing[*]}"; exit 1; }; \
		else \
			echo "make test: missing $${missing[*]}: install them (on Debian: sudo apt-get install $${missing[*]}) and run make test again"; \
			exit 1; \
		fi; \
	fi

test: assets test-deps ## run the whole suite against a private PostgreSQL it starts itself (installs chromium, pandoc, PostgreSQL when missing)
	@go build -o bin/testsum ./cmd/testsum
	@echo "running the suite: a line per package as each finishes, and every minute the packages still running"
	@status=0; set -o pipefail; \
	THEMATIC_TEST_DATA=$(CURDIR)/$(TEST_DATA) go test -json -count=1 -timeout 75m ./... 2>&1 | bin/testsum || status=$$?; \
	go run ./cmd/thematic db stop --dir $(TEST_DATA) >/dev/null 2>&1 || true; \
	rm -rf $(TEST_DATA); \
	exit $$status

BENCH ?= .
bench-pages: assets ## Go benchmarks of the evidence pages on national-scale data (200,000 notes); BENCH=regexp picks some
	@status=0; \
	THEMATIC_TEST_DATA=$(CURDIR)/$(TEST_DATA) go test -count=1 -timeout 60m -run '^$$' -bench '$(BENCH)' -benchtime 200x ./internal/bulk/ || status=$$?; \
	go run ./cmd/thematic db stop --dir $(TEST_DATA) >/dev/null 2>&1 || true; \
	exit $$status

# make bench: the load harness (cmd/thematic-load) over HTTP against a server built with -tags
# loadbase (which adds the two reference routes), on `thematic seed scale` data in its own durable
# PostgreSQL in BENCH_DIR. By default the cluster is deleted and the data generated afresh (about
# two minutes); BENCH_REUSE=1 reuses it when BENCH_DIR/manifest.json names a review the database
# holds (each run adds the notes it saves). The harness prints the table and writes it into
# BENCHMARKS.md's marked section. BENCH_FLAGS passes flags to the harness (e.g. --scenarios
# baseline,save --closed-duration 5s).
BENCH_DIR ?= .data/bench
BENCH_FLAGS ?=
BENCH_REUSE ?=
BENCH_ENV := env -u DATABASE_URL -u APP_DATABASE_URL DATA_DIR=$(BENCH_DIR)
bench: assets ## load harness on national-scale data (fresh unless BENCH_REUSE=1): writes BENCHMARKS.md's load table
	go build -tags loadbase -o bin/thematic-bench ./cmd/thematic
	go build -o bin/thematic-load ./cmd/thematic-load
	@status=0; data=fresh; \
	if [ -n "$(BENCH_REUSE)" ] && $(BENCH_ENV) ./bin/thematic-bench db start --dir $(BENCH_DIR) && \
		$(BENCH_ENV) ./bin/thematic-bench migrate up && \
		./bin/thematic-load --check-manifest --manifest $(BENCH_DIR)/manifest.json --data-dir $(BENCH_DIR) 2>/dev/null; then \
		data=reused; echo "BENCH_REUSE: reusing the scale data of $(BENCH_DIR)/manifest.json"; \
	else \
		echo "generating fresh scale data in a new cluster in $(BENCH_DIR)"; \
		./bin/thematic-load --remove-cluster --data-dir $(BENCH_DIR) && \
		$(BENCH_ENV) ./bin/thematic-bench db start --dir $(BENCH_DIR) && \
		$(BENCH_ENV) ./bin/thematic-bench migrate up && \
		$(BENCH_ENV) ./bin/thematic-bench seed scale --manifest $(BENCH_DIR)/manifest.json || status=$$?; \
	fi; \
	[ $$status -ne 0 ] || ./bin/thematic-load --manifest $(BENCH_DIR)/manifest.json --serve-binary bin/thematic-bench \
		--data-dir $(BENCH_DIR) --data $$data --out $(BENCH_DIR)/results.json --server-log $(BENCH_DIR)/server.log \
		--settle --update-benchmarks BENCHMARKS.md $(BENCH_FLAGS) || status=$$?; \
	$(BENCH_ENV) ./bin/thematic-bench db stop --dir $(BENCH_DIR) >/dev/null 2>&1 || true; \
	exit $$status

faults: assets ## the fault tests at full length: a 10 s database outage and a failover to the standby in 60 s of saves, a restore drill, replicas, a stop under load, concurrent edits, replays
	@status=0; \
	THEMATIC_TEST_DATA=$(CURDIR)/$(TEST_DATA) THEMATIC_FAULT_LONG=1 go test -count=1 -timeout 20m -v \
		-run 'TestDatabaseOutageDuringNoteLoad|TestFailoverDuringNoteLoad|TestRestoreDrill|TestReplicasServeOneJourney|TestServeStopDuringNoteLoad' ./cmd/thematic/ || status=$$?; \
	THEMATIC_TEST_DATA=$(CURDIR)/$(TEST_DATA) go test -count=1 -timeout 20m -v \
		-run 'TestConcurrentEditsOfOneFindingOneWinsEachRound|TestReplayedNoteSubmissionMakesOneNote' ./internal/server/ || status=$$?; \
	go run ./cmd/thematic db stop --dir $(TEST_DATA) >/dev/null 2>&1 || true; \
	rm -rf $(TEST_DATA); \
	exit $$status

FUZZTIME ?= 60s
FUZZ_TARGETS := internal/review:FuzzParseFramework internal/archive:FuzzParseArchive \
	internal/report:FuzzParseMarkdown internal/questionnaire:FuzzParseQuestionnaire \
	internal/selfassess:FuzzReadWorkbook internal/selfassess:FuzzReadWorkbookCells \
	internal/evidence:FuzzParseFilter internal/evidence:FuzzSegments
fuzz: ## run every fuzz target in turn for FUZZTIME (default 60s); crashers land in testdata/fuzz
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "== $${t#*:}"; \
		go test ./$${t%%:*}/ -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 1000x -parallel 1; \
	done

# make check needs only Go and git (no node_modules, no PostgreSQL): .ci/run runs it before make test.
check: ## formatting, go.mod tidy, vet, the API's OpenAPI document and generated code up to date
	@files="$$(gofmt -l cmd internal templates web migrations)"; \
		if [ -n "$$files" ]; then echo "make check: not gofmt-formatted (run gofmt -w):"; echo "$$files"; exit 1; fi
	@go mod tidy -diff || { echo "make check: go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }
	go vet ./...
	go run ./cmd/apilint
	go tool templ generate
	@stale="$$(git status --porcelain -- '*_templ.go')"; \
		if [ -n "$$stale" ]; then echo "make check: generated templ code is stale (run make generate and commit):"; echo "$$stale"; exit 1; fi

schema: build ## print the current schema (pg_dump of the development database)
	@./bin/thematic db start >/dev/null && pg_dump --schema-only --no-owner "$$(./bin/thematic db url)"

db-stop: ## stop the development PostgreSQL
	go run ./cmd/thematic db stop

clean: db-stop ## remove build output and local databases
	rm -rf bin .data web/static/govuk
