package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/api"
	"github.com/cloudtolocalllm/cloudtolocalllm/frontend"
)

// runServe runs the backend headless: the web build and the API on addr, until SIGINT/SIGTERM.
func runServe(log *slog.Logger, addr, tokenFile string) error {
	token, err := readToken(tokenFile)
	if err != nil {
		return err
	}
	web, err := fs.Sub(frontend.Dist, "dist")
	if err != nil {
		return fmt.Errorf("load web build: %w", err)
	}
	c, err := openCore(log)
	if err != nil {
		return err
	}
	defer c.close()
	h, err := api.NewServer(c.ops, c.bus, api.ServerOptions{Addr: addr, Token: token, Web: web, Log: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	ctx, cancel := signalContext()
	defer cancel()
	// Request contexts derive from ctx so that open event streams end on shutdown instead of
	// holding it up.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }}
	go func() {
		<-ctx.Done()
		shutCtx, done := context.WithTimeout(context.Background(), 3*time.Second)
		defer done()
		srv.Shutdown(shutCtx)
	}()
	log.Info("serving", "url", "http://"+ln.Addr().String())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
