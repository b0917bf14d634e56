// Package e2e tests the real cloudtolocalllm binary end to end: the web build in headless
// Chromium against `cloudtolocalllm --serve`, the plain HTTP API, and the native window under
// Xvfb — always with a real Ollama (internal/ollamatest) and a real SQLite history.
//
// Run them with `make test-e2e`, which builds the binary, sets CLOUDTOLOCALLLM_BIN and provides
// an X display and a private D-Bus session. Without CLOUDTOLOCALLLM_BIN the tests skip, so a plain
// `go test ./...` stays fast; with it, a missing prerequisite fails loudly instead of skipping.
package e2e
