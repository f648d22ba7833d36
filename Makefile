# Veil — build, test, bench.
#
#   make            build the release binaries
#   make test       install what the tests need, then lint and run every test
#   make bench      each operation natively and under Veil in the same run, with ratios
#   make run CMD="busybox echo hi"   run a command under veil do

CARGO ?= cargo
VEIL  := target/release/veil
# Debian packages the tests need: a static busybox, and gcc with static libc for the
# C test programs.
TEST_PACKAGES := busybox-static gcc libc6-dev

.PHONY: all build test deps lint unit e2e compat bench run clean

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
	$(CARGO) clippy --workspace --all-targets --release -- -D warnings

unit:
	$(CARGO) test --release --workspace --exclude veil

e2e: build
	$(CARGO) test --release -p veil

# docs/compatibility.md is generated from the syscall table; fail if it is stale.
compat: build
	$(VEIL) syscalls | diff -u docs/compatibility.md - \
	  || { echo "docs/compatibility.md is stale: run '$(VEIL) syscalls > docs/compatibility.md'"; exit 1; }

test: deps lint unit e2e compat

bench: build
	$(CARGO) build --release -p veil-bench
	target/release/veil-bench --veil $(VEIL)

run: build
	$(VEIL) do -- $(CMD)

clean:
	$(CARGO) clean
