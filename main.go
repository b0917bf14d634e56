// Command cloudtolocalllm is the desktop app: a native window over the backend services, or with
// --serve, the same services and the web build over HTTP without a window.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

var version = "dev" // set with -ldflags "-X main.version=…" by release builds

func main() {
	serve := flag.String("serve", "", "run without a window and serve the web build and API on `ADDR` (e.g. 127.0.0.1:8089)")
	tokenFile := flag.String("token-file", "", "with --serve on a non-loopback address: `FILE` holding the access token browsers must present")
	startMinimized := flag.Bool("start-minimized", false, "start in the tray without showing the window (only when a tray exists; also a setting)")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println("cloudtolocalllm", version)
		return
	}
	log := newLogger()
	var err error
	if *serve != "" {
		err = runServe(log, *serve, *tokenFile)
	} else {
		err = runDesktop(log, *startMinimized)
	}
	if err != nil {
		log.Error("cloudtolocalllm stopped", "error", err)
		fmt.Fprintln(os.Stderr, "cloudtolocalllm:", err)
		os.Exit(1)
	}
}

func newLogger() *slog.Logger {
	level := slog.LevelInfo
	if strings.EqualFold(os.Getenv("CLOUDTOLOCALLLM_LOG"), "debug") {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// signalContext ends when the process is asked to stop.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func readToken(path string) (string, error) {
	if path == "" {
		return os.Getenv("CLOUDTOLOCALLLM_TOKEN"), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read token file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if len(tok) < 16 {
		return "", errors.New("read token file: the token must be at least 16 characters")
	}
	return tok, nil
}
