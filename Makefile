# Everything a fresh Debian/Ubuntu machine needs is installed by these targets; see README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := build

GO_TAGS      := sqlite_fts5
DESKTOP_TAGS := desktop,production,webkit2_41,$(GO_TAGS)
BIN          := build/bin/cloudtolocalllm
CACHE        := $(CURDIR)/.cache
OLLAMA_BIN   ?= $(CACHE)/bin/ollama
OLLAMA_VERSION := v0.6.5
export OLLAMA_BIN
export CGO_ENABLED := 1

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := build-essential pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev \
	xvfb xauth x11-utils imagemagick xdotool dbus dbus-x11 at-spi2-core libglib2.0-bin \
	gnome-keyring libsecret-tools chromium nlohmann-json3-dev

.PHONY: run build build-windows test test-go test-frontend test-e2e deps frontend ollama bench clean

## run: install what is missing, build, and start the desktop app
run: build
	./$(BIN)

## build: the desktop binary (the web build is embedded in it)
build: deps frontend
	go build -tags $(DESKTOP_TAGS) -ldflags "-s -w" -o $(BIN) .

## build-windows: cross-compile the desktop app for Windows (cgo SQLite needs MinGW)
build-windows: frontend
	@command -v x86_64-w64-mingw32-gcc >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends gcc-mingw-w64-x86-64; }
	CC=x86_64-w64-mingw32-gcc GOOS=windows GOARCH=amd64 go build -tags desktop,production,$(GO_TAGS) \
		-ldflags "-H windowsgui -s -w" -o build/bin/cloudtolocalllm.exe .

## test: every test — Go (with a real Ollama), frontend, browser and desktop end to end
test: build ollama
	go vet -tags $(DESKTOP_TAGS) ./...
	$(MAKE) test-frontend test-go test-e2e

test-frontend: deps
	cd frontend && npm run check && npm test

test-go: ollama
	go test -tags $(GO_TAGS) -count=1 ./...

# The e2e tests drive the real binary: in headless Chromium (--serve) and as a native window under
# Xvfb on a private D-Bus session, so nothing leaks into or out of the person's own desktop.
test-e2e: build ollama
	CLOUDTOLOCALLLM_BIN=$(CURDIR)/$(BIN) xvfb-run -a -s "-screen 0 1280x800x24" \
		dbus-run-session -- go test -tags $(GO_TAGS) -count=1 -v -timeout 20m ./e2e/

## bench: the numbers in docs/PERFORMANCE.md
bench: build ollama
	CLOUDTOLOCALLLM_BIN=$(CURDIR)/$(BIN) xvfb-run -a -s "-screen 0 1280x800x24" \
		dbus-run-session -- go run -tags $(GO_TAGS) ./bench -doc docs/PERFORMANCE.md $(BENCH_ARGS)
	dbus-run-session -- go run -tags $(GO_TAGS) ./bench/tray

deps: $(CACHE)/apt.stamp frontend/node_modules/.stamp

$(CACHE)/apt.stamp:
	@mkdir -p $(CACHE)
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:" $$missing; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@touch $@

frontend/node_modules/.stamp: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

frontend: frontend/node_modules/.stamp
	cd frontend && npm run build

# A real Ollama for the tests, built from its Go module (its C++ needs nlohmann-json3-dev).
ollama: $(OLLAMA_BIN)
$(OLLAMA_BIN): | $(CACHE)/apt.stamp
	GOBIN=$(dir $(OLLAMA_BIN)) go install -ldflags "-X github.com/ollama/ollama/version.Version=$(OLLAMA_VERSION:v%=%)" github.com/ollama/ollama@$(OLLAMA_VERSION)

clean:
	rm -rf build/bin frontend/dist/assets frontend/dist/index.html
