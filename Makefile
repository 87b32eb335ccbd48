# dinhdanh — see README.md
GO ?= go

.PHONY: run test bench build lint

# The one-command demo: provider on :8080 (embedded SQLite, demo data) and
# the exam portal on :8081.
run:
	$(GO) run ./cmd/dinhdanh demo

# Every test. With DINHDANH_TEST_DATABASE_URL set, the storage suite also
# runs against that PostgreSQL (and fails if it is unreachable).
test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

# Load benchmark of the running provider (see README, "Performance").
bench:
	$(GO) run ./cmd/dinhdanh-bench

build:
	$(GO) build -o bin/ ./cmd/...

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...
