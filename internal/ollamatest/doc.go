// Package ollamatest runs a real Ollama for tests. Ollama cannot download models here, so the
// package makes one: a tiny llama-architecture GGUF with random weights (WriteTinyGGUF), shaped
// so it talks in plain words and never stops on its own. Start (for a test) and Launch (for
// TestMain, scripts and cmd/tinyollama) run `ollama serve` on 127.0.0.1 with two models made
// from it: TinyModel for quick replies and TinyLongModel for replies that last seconds.
//
// FastOrigin is the one stand-in: an Ollama-compatible stream that is as fast as a server can
// be, for benchmarks that measure the app's own overhead. It is not for behaviour tests.
package ollamatest
