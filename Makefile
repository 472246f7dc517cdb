# flint — see README.md. `make test` installs what the tests need (as root,
# with apt-get), then runs vet, a gofmt check and every test with -race.
GO      ?= go
PYTHON  := /usr/bin/python3
FUZZTIME ?= 15s
BENCHTIME ?= 1s
DEBS    := python3-pyro4 python3-serpent python3-msgpack pyro4-examples
DEMO_DIR := $(shell mktemp -d -u /tmp/flint-demo.XXXXXX)

.PHONY: all test deps vet fmtcheck lint demo fuzz bench build

all: lint test

build:
	$(GO) build ./...

# deps makes sure the real Python Pyro4 peer (and its original examples,
# which tests run unchanged) is installed.
deps:
	@if ! $(PYTHON) -c 'import Pyro4, serpent, msgpack' >/dev/null 2>&1 || [ ! -d /usr/share/doc/pyro4/examples ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing $(DEBS)"; \
			DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBS) >/dev/null; \
		else \
			echo "the tests need Python Pyro4: run  sudo apt-get install -y $(DEBS)"; exit 1; \
		fi; \
	fi
	@$(PYTHON) -c 'import Pyro4; assert Pyro4.__version__ == "4.82", Pyro4.__version__'

vet:
	$(GO) vet ./...

fmtcheck:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

lint: vet fmtcheck

test: deps lint
	$(GO) test -race -count=1 -timeout 15m ./...

# demo runs the greeting example end to end over mTLS with certificates
# made on the fly: name server, server, client, clean shutdown.
demo:
	@bash scripts/demo.sh

fuzz:
	@bash scripts/fuzz.sh $(FUZZTIME)

# bench prints flint bench's table (daemon, proxy and bulk figures against
# the raw ceiling and Python Pyro4), then the call-semantics table (oneway,
# batched, async, streamed next to Pyro4 in the same run), then the
# micro-benchmarks.
bench: deps
	$(GO) run ./cmd/flint bench
	FLINT_BENCH_PYTHON=1 $(GO) test -count=1 -run TestCallsThroughputVsPython -v ./secure | grep -v '^=== '
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) ./wire ./serial/... ./value
