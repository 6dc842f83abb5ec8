# runbook — build, test and demo targets. `make demo` and `make test` are the
# two set-up commands of the README; both install what they need when run as
# root (see .ci/deps).

GO        ?= go
BIN       := bin
TESTFLAGS ?= -race -count=1 -timeout 25m
PKGS      := ./...
# The slowest test packages, named first, longest first, so that go test
# starts them first and the rest fill the other cores meanwhile (go test
# runs each package once, however often it is named).
SLOW_PKGS := ./playbooks ./cmd/runbook ./engine/transport/sshtransport ./internal/sim

# The linters of `make lint`, at fixed versions, installed into bin/tools
# from the Go module proxy the first time lint runs (and again when a
# version here changes).
STATICCHECK_VERSION := v0.8.2
DEADCODE_VERSION    := v0.52.0
TOOLS               := $(CURDIR)/$(BIN)/tools
STATICCHECK         := $(TOOLS)/staticcheck-$(STATICCHECK_VERSION)
DEADCODE            := $(TOOLS)/deadcode-$(DEADCODE_VERSION)

.PHONY: all build test demo bench fmt lint deps docs clean

all: build

build:
	$(GO) build -o $(BIN)/runbook ./cmd/runbook
	$(GO) build -o $(BIN)/alation-sim ./cmd/alation-sim

deps:
	@.ci/deps

test: deps
	$(GO) vet $(PKGS)
	$(GO) test $(TESTFLAGS) $(SLOW_PKGS) $(PKGS)

# demo starts a simulated Alation HA pair (real sshd, real PostgreSQL),
# runs the bundled ha-pair playbook against it with live progress, shows the
# replication status on the hosts, and removes the pair again, also when
# interrupted. The simulated Mongo lag falls to zero in 30 s instead of 2 min.
# Its journal is kept with the pair, so that a demo interrupted mid-copy
# leaves no journal behind that the next demo would have to resume.
demo: build
	@.ci/deps --demo
	@set -e; tmp=$$(mktemp -d /tmp/runbook-demo.XXXXXX); chmod 755 "$$tmp"; dir="$$tmp/pair"; \
	trap 'if [ ! -e "'"$$dir"'" ] || $(BIN)/alation-sim down -dir "'"$$dir"'"; then rm -rf "'"$$tmp"'"; fi' EXIT; \
	trap 'exit 130' INT TERM; \
	$(BIN)/alation-sim up -dir "$$dir" -mongo-catch-up 30s; \
	$(BIN)/runbook run ha-pair -var-file "$$dir/pair.vars.hcl" --known-hosts "$$dir/known_hosts" --state-dir "$$tmp/state" --yes; \
	echo; $(BIN)/alation-sim status -dir "$$dir"

# bench compares runbook with a raw-SSH floor and Ansible on real sshd hosts
# (needs ../shared/bench; see the README's performance section).
bench: build
	@.ci/bench

fmt:
	gofmt -w $$(git ls-files '*.go')
	$(GO) run ./cmd/runbook fmt playbooks

# lint fails on go vet, staticcheck or deadcode findings (deadcode counts
# what the tests use as used), unformatted Go or playbooks, and an
# alation-sim binary that links the testing package.
lint: $(STATICCHECK) $(DEADCODE)
	$(GO) vet $(PKGS)
	$(STATICCHECK) $(PKGS)
	@out=$$($(DEADCODE) -test $(PKGS)); if [ -n "$$out" ]; then echo "deadcode finds unreachable code:"; echo "$$out"; exit 1; fi
	@if $(GO) list -deps ./cmd/alation-sim | grep -qx testing; then echo "cmd/alation-sim links the testing package"; exit 1; fi
	@if $(GO) list -deps ./engine | grep -q '^go.temporal.io/'; then echo "importing engine links the Temporal SDK"; exit 1; fi
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) run ./cmd/runbook fmt -check playbooks

# install-tool installs the command package $(1) at version $(2) as the
# file $@ (GOBIN names the binary after the package, without its version).
install-tool = mkdir -p $@.d && GOBIN=$@.d $(GO) install $(1)@$(2) && mv $@.d/$(notdir $(1)) $@ && rmdir $@.d

$(STATICCHECK):
	$(call install-tool,honnef.co/go/tools/cmd/staticcheck,$(STATICCHECK_VERSION))

$(DEADCODE):
	$(call install-tool,golang.org/x/tools/cmd/deadcode,$(DEADCODE_VERSION))

# docs regenerates the module reference from the module schemas.
docs:
	$(GO) test ./modules -run TestReferenceIsCurrent -update

clean:
	rm -rf $(BIN)
