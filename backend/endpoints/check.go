package endpoints

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
)

// Run reads the saved API keys, then checks every endpoint every Interval (and when poked) until
// ctx ends. Each check is bounded by CheckTimeout, and endpoints are checked side by side, so one
// server that hangs delays nothing else.
func (r *Registry) Run(ctx context.Context) {
	go r.writeCache(ctx)
	r.loadKeys(ctx)
	t := time.NewTicker(r.opt.Interval)
	defer t.Stop()
	for {
		r.CheckAll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.wake:
		}
	}
}

// loadKeys builds the providers of endpoints whose API key is in the keyring.
func (r *Registry) loadKeys(ctx context.Context) {
	r.mu.Lock()
	var need []Endpoint
	for _, e := range r.entries {
		if e.ep.HasKey {
			need = append(need, e.ep)
		}
	}
	r.mu.Unlock()
	for _, ep := range need {
		kctx, cancel := context.WithTimeout(ctx, 30*time.Second) // an unlock prompt may be showing
		key, err := r.opt.Keys.Get(kctx, keyAccount(ep.ID))
		cancel()
		var p llm.Provider
		if err == nil {
			p, err = newProvider(ep, key)
		}
		r.mu.Lock()
		if e, ferr := r.findLocked(ep.ID); ferr == nil && e.ep == ep {
			if err != nil {
				e.keyErr = err
			} else {
				e.provider, e.keyErr = p, nil
			}
		}
		r.mu.Unlock()
		if err != nil {
			r.opt.Log.Warn("could not read a model server's API key", "endpoint", ep.ID, "err", err)
		}
	}
}

// CheckAll checks every endpoint now and publishes what changed.
func (r *Registry) CheckAll(ctx context.Context) {
	r.mu.Lock()
	entries := slices.Clone(r.entries)
	r.mu.Unlock()
	var wg sync.WaitGroup
	changed := make([]bool, len(entries))
	for i, e := range entries {
		wg.Go(func() { changed[i] = r.check(ctx, e) })
	}
	wg.Wait()
	if slices.Contains(changed, true) {
		r.publish()
	}
}

// check asks one server for its models (which proves it answers in its API) and records the
// outcome. It reports whether the status changed.
func (r *Registry) check(ctx context.Context, e *entry) bool {
	r.mu.Lock()
	provider := e.provider
	r.mu.Unlock()
	if provider == nil {
		return false // its saved address is unusable: the error is already shown
	}
	cctx, cancel := context.WithTimeout(ctx, r.opt.CheckTimeout)
	defer cancel()
	version, err := provider.Version(cctx)
	var models []llm.Model
	if err == nil {
		models, err = provider.Models(cctx)
	}
	if ctx.Err() != nil {
		return false // shutting down: not the server's fault
	}
	return r.record(e, provider, version, models, err)
}

// record stores the outcome of asking the server (models nil on failure) and reports whether
// anything a client shows changed. A result from a provider that has since been replaced (the
// address changed meanwhile) is dropped.
func (r *Registry) record(e *entry, asked llm.Provider, version string, models []llm.Model, err error) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.provider != asked {
		return false
	}
	before := e.status
	now := time.Now().UTC()
	e.status.CheckedAt = &now
	if err != nil {
		e.status.State, e.status.Error = Unreachable, describe(err, r.opt.CheckTimeout)
		e.status.Stale = e.status.ModelsAt != nil
		return before.State != e.status.State || before.Error != e.status.Error || before.Stale != e.status.Stale
	}
	e.status.State, e.status.Error, e.status.Stale = Reachable, "", false
	if version != "" {
		e.status.Version = version
	}
	if models != nil {
		e.status.Models, e.status.ModelsAt, e.fresh = models, &now, time.Now()
		r.saveCacheLocked(!sameModels(before.Models, models))
	}
	return before.State != e.status.State || before.Version != e.status.Version || before.Stale ||
		!sameModels(before.Models, e.status.Models)
}

// describe says why a server could not be asked, in a person's words.
func describe(err error, timeout time.Duration) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("the server did not answer within %v (it may be hanging or overloaded)", timeout)
	}
	return err.Error()
}

func sameModels(a, b []llm.Model) bool {
	return slices.EqualFunc(a, b, func(x, y llm.Model) bool {
		return x.Name == y.Name && x.Size == y.Size && x.ModifiedAt.Equal(y.ModifiedAt)
	})
}
