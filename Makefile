# Everything the README promises starts here. Only python3 (3.11+) and make are
# assumed: uv is installed into .tools/ and the locked environment into .venv/.
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
RUN := $(UV) run --frozen --no-sync

# TLS through the system's trust store, so a corporate proxy's CA that the system trusts works:
# uv's native-TLS setting (UV_SYSTEM_CERTS since uv 0.9; UV_NATIVE_TLS before), and pip,
# which installs uv itself, pointed at the system's CA bundle where there is one.
export UV_SYSTEM_CERTS ?= true
export UV_NATIVE_TLS ?= true
SYSTEM_CA := $(firstword $(wildcard /etc/ssl/certs/ca-certificates.crt \
	/etc/pki/tls/certs/ca-bundle.crt /etc/ssl/cert.pem))
PIP_CERT := $(if $(SYSTEM_CA),--cert $(SYSTEM_CA))

.PHONY: demo test lint format sandbox bench setup clean

setup: .venv/.synced

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check $(PIP_CERT) \
		"uv==$(UV_VERSION)"

# Bytecode compiled at install time: without it every command compiles its imports anew when
# PYTHONDONTWRITEBYTECODE is set (common in containers), seconds on each start-up.
.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --all-extras --compile-bytecode
	$(RUN) python -m compileall -q calapi flows transforms sandbox
	touch $@

demo: setup
	$(RUN) calbulk demo

sandbox: setup
	$(RUN) calbulk sandbox serve --seed-users 50

test: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) pytest

lint: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format: setup
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

bench: setup
	$(RUN) python bench/sandbox.py
	$(RUN) python bench/client.py
	$(RUN) python bench/cli.py

clean:
	rm -rf .venv .tools .pytest_cache .ruff_cache
