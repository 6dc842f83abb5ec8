# runbook — build, test and demo targets. `make demo` and `make test` are the
# two set-up commands of the README; both install what they need when run as
# root (see .ci/deps).

GO        ?= go
BIN       := bin
TESTFLAGS ?= -race -count=1 -timeout 25m
PKGS      := ./...

.PHONY: all build test demo bench fmt lint deps docs clean

all: build

build:
	$(GO) build -o $(BIN)/runbook ./cmd/runbook
	$(GO) build -o $(BIN)/alation-sim ./cmd/alation-sim

deps:
	@.ci/deps

test: deps
	$(GO) vet $(PKGS)
	$(GO) test $(TESTFLAGS) $(PKGS)

# demo starts a simulated Alation HA pair (real sshd, real PostgreSQL),
# runs the bundled ha-pair playbook against it with live progress, shows the
# replication status on the hosts, and removes the pair again, also when
# interrupted. The simulated Mongo lag falls to zero in 30 s instead of 2 min.
demo: deps build
	@set -e; tmp=$$(mktemp -d /tmp/runbook-demo.XXXXXX); chmod 755 "$$tmp"; dir="$$tmp/pair"; \
	trap 'if [ ! -e "'"$$dir"'" ] || $(BIN)/alation-sim down -dir "'"$$dir"'"; then rm -rf "'"$$tmp"'"; fi' EXIT; \
	trap 'exit 130' INT TERM; \
	$(BIN)/alation-sim up -dir "$$dir" -mongo-catch-up 30s; \
	$(BIN)/runbook run ha-pair -var-file "$$dir/pair.vars.hcl" --known-hosts "$$dir/known_hosts" --yes; \
	echo; $(BIN)/alation-sim status -dir "$$dir"

# bench compares runbook with a raw-SSH floor and Ansible on real sshd hosts
# (needs ../shared/bench; see the README's performance section).
bench: build
	@.ci/bench

fmt:
	gofmt -w $$(git ls-files '*.go')
	$(GO) run ./cmd/runbook fmt playbooks

lint:
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) run ./cmd/runbook fmt -check playbooks

# docs regenerates the module reference from the module schemas.
docs:
	$(GO) test ./modules -run TestReferenceIsCurrent -update

clean:
	rm -rf $(BIN)
