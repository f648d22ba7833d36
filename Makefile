# Veil — build, test, bench.
#
#   make            build the release binaries
#   make test       install what the tests need, then lint and run every test
#   make conformance   the syscall suite natively and under Veil (SANDBOX="prefix" for another)
#   make bench      each operation natively and under Veil in the same run, with ratios
#   make run CMD="busybox echo hi"   run a command under veil do

CARGO ?= cargo
VEIL  := target/release/veil
# Debian packages the tests need: a static busybox, gcc with static libc for the C
# test programs, and the real programs of the differential suite (tests/programs/differential).
TEST_PACKAGES := busybox-static gcc libc6-dev git sqlite3 perl make xz-utils python3 bc \
	bsdutils tmux curl iproute2 podman containerd runc

# The conformance suite's subject: a command prefix the case's command follows.
SANDBOX ?= $(CURDIR)/target/debug/veil do --
CONFORMANCE := target/debug/veil-conformance
RESULTS := target/conformance/results.tsv

.PHONY: all build test deps lint unit e2e conformance conformance-host-network compat docs bench run clean

all: build

build:
	$(CARGO) build --release --workspace

# Installs missing packages only; needs root (CI runs as root) and apt.
deps:
	@missing=""; for p in $(TEST_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# Tests run on the debug build: its ranked locks check the VFS lock order on every
# acquire, so every test run is also a lock-order test.
unit:
	$(CARGO) test --workspace --exclude veil

e2e:
	$(CARGO) test -p veil

# tests/syscalls: every case natively and under $(SANDBOX), compared; writes $(RESULTS).
conformance:
	$(CARGO) build -p veil -p veil-conformance
	$(CONFORMANCE) --suite tests/syscalls --out target/conformance --sandbox "$(SANDBOX)"

# The internet socket cases again with the guest on the host's network, through host
# sockets the sentry holds (`--network=host`); its own output directory, so $(RESULTS)
# stays the default run's.
conformance-host-network:
	$(CARGO) build -p veil -p veil-conformance
	$(CONFORMANCE) --suite tests/syscalls --out target/conformance-host-network \
	  --sandbox "$(CURDIR)/target/debug/veil do --network=host --" --filter inet/

# docs/compatibility.md is generated from the syscall table joined with the suite's
# results (of the run just made); fail if it is stale.
compat:
	$(CARGO) build -p veil
	@test -f $(RESULTS) || { echo "$(RESULTS) is missing: run 'make conformance'"; exit 1; }
	target/debug/veil syscalls --coverage $(RESULTS) | diff -u docs/compatibility.md - \
	  || { echo "docs/compatibility.md is stale: run 'make docs'"; exit 1; }

docs: conformance
	target/debug/veil syscalls --coverage $(RESULTS) > docs/compatibility.md

test: deps lint unit e2e conformance conformance-host-network compat

bench: build
	$(CARGO) build --release -p veil-bench
	target/release/veil-bench --veil $(VEIL)

run: build
	$(VEIL) do -- $(CMD)

clean:
	$(CARGO) clean
