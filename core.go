package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/api"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/archive"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/auth"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/chat"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/endpoints"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/models"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/secrets"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/settings"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/status"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// titleTimeout bounds the request that asks the model to title a new conversation; a slow or
// busy model keeps the title made from the first words instead.
const titleTimeout = 20 * time.Second

// core is the backend wired together; the window and the web server are two front doors to it.
type core struct {
	log      *slog.Logger
	store    *store.Store
	bus      *events.Bus
	settings *settings.Service
	ollama   *llm.Ollama
	monitor  *status.Monitor
	chat     *chat.Service
	auth     *auth.Service
	// endpoints are the model servers (this machine's Ollama first); models manages their models.
	endpoints *endpoints.Registry
	models    *models.Manager
	ops       *api.Ops
	stop      context.CancelFunc
}

// openCore opens the history and starts the background work (generations, the status monitor),
// which lives until close.
func openCore(log *slog.Logger) (*core, error) {
	ctx, stop := context.WithCancel(context.Background())
	c := &core{log: log, stop: stop, bus: events.NewBus(8192)}
	dir, err := store.DataDir()
	if err != nil {
		stop()
		return nil, fmt.Errorf("find data directory: %w", err)
	}
	if c.store, err = store.Open(ctx, dir); err != nil {
		stop()
		return nil, fmt.Errorf("open history in %s: %w", dir, err)
	}
	if c.settings, err = settings.New(ctx, c.store, c.bus, llm.DefaultOllamaURL()); err != nil {
		c.close()
		return nil, err
	}
	if c.ollama, err = llm.NewOllama(c.settings.OllamaURL(), nil); err != nil {
		c.close()
		return nil, fmt.Errorf("connect to Ollama: %w", err)
	}
	c.monitor = status.NewMonitor(c.ollama, c.ollama.BaseURL, c.bus, log, status.DefaultIntervals())
	c.endpoints, err = endpoints.New(ctx, endpoints.Options{Storage: c.store, Keys: secrets.NewKeyring(auth.KeyringService),
		Bus: c.bus, Local: c.ollama, Log: log.With("part", "endpoints")})
	if err != nil {
		c.close()
		return nil, err
	}
	c.settings.OnChange(func(settings.Settings) {
		if err := c.ollama.SetBaseURL(c.settings.OllamaURL()); err != nil {
			log.Warn("ollama address not applied", "error", err)
		}
		c.monitor.Poke()
		c.endpoints.Poke()
	})
	// Replies go through the server list: each to the server its conversation uses.
	c.chat = chat.New(ctx, c.store, c.endpoints, c.bus, log, chat.WithAutoTitles(titleTimeout))
	c.models = models.New(ctx, c.endpoints, c.store, c.bus, log.With("part", "models"))
	c.models.EnableSummaries(c.endpoints, c.chat.Create)
	c.auth, err = auth.New(ctx, auth.Options{Settings: c.store, Secrets: secrets.NewKeyring(auth.KeyringService),
		Publish: func(name string, data any) { c.bus.Publish(name, data) }, Log: log.With("part", "auth")})
	if err != nil {
		c.close()
		return nil, err
	}
	c.auth.OnChange(func(a auth.Account) { c.monitor.SetAccount(a.Summary()) })
	c.ops = api.NewOps(api.Services{Chat: c.chat, Settings: c.settings, Status: c.monitor, Models: c.ollama, Auth: c.auth,
		Archive:   archive.NewService(c.store, func(name string, data any) { c.bus.Publish(name, data) }),
		Endpoints: c.endpoints, Manager: c.models})
	go c.monitor.Run(ctx)
	go c.endpoints.Run(ctx)
	go c.models.FollowReplies(ctx)
	go c.chat.RunPurge(ctx)
	// Reading the saved sign-in may wait for the person to unlock the keyring: never on startup's path.
	go c.auth.Restore(ctx)
	log.Info("history open", "dir", dir, "ollama", c.ollama.BaseURL())
	return c, nil
}

// close stops generations (their partial replies are saved) and closes the history.
func (c *core) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if c.chat != nil {
		c.chat.Shutdown(ctx)
	}
	c.stop()
	if c.store != nil {
		if err := c.store.Close(); err != nil {
			c.log.Error("close history", "error", err)
		}
	}
}
