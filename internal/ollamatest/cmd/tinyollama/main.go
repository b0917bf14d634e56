// Command tinyollama runs a real Ollama with the tiny test models for callers that are not Go
// tests: browser end-to-end scripts, the desktop test under Xvfb, benchmarks. It prints the
// server's URL as the first line on stdout, then runs until SIGINT or SIGTERM, when it stops
// Ollama and removes its files. Ollama's own log goes to a file whose path is logged on stderr.
//
//	go run ./internal/ollamatest/cmd/tinyollama [-parallel N] [-seed N] [-ollama PATH]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
)

func main() {
	opts := ollamatest.Options{}
	flag.StringVar(&opts.Binary, "ollama", "", "ollama binary (default $OLLAMA_BIN, else .cache/bin/ollama in the repository)")
	flag.IntVar(&opts.NumParallel, "parallel", 0, "OLLAMA_NUM_PARALLEL (0: Ollama's default)")
	flag.Int64Var(&opts.Seed, "seed", 0, "seed of the tiny model's random weights")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opts, os.Stdout, log); err != nil {
		log.Error("tinyollama failed", "err", err)
		os.Exit(1)
	}
}

// run starts the server, announces its URL on out and serves until ctx ends.
func run(ctx context.Context, opts ollamatest.Options, out io.Writer, log *slog.Logger) error {
	s, err := ollamatest.Launch(ctx, opts)
	if err != nil {
		return err
	}
	defer func() {
		if err := s.Close(); err != nil {
			log.Error("stop ollama", "err", err)
		}
	}()
	log.Info("ollama ready", "url", s.URL, "models", []string{ollamatest.TinyModel, ollamatest.TinyLongModel}, "log", s.LogPath)
	if _, err := fmt.Fprintln(out, s.URL); err != nil {
		return fmt.Errorf("announce the URL: %w", err)
	}
	select {
	case <-ctx.Done():
		log.Info("stopping ollama")
		return nil
	case <-s.Exited():
		return errors.New("ollama serve exited on its own; see " + s.LogPath)
	}
}
