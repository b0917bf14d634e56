package endpoints

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
)

// ModelList is an endpoint's models as models.list returns them.
type ModelList struct {
	EndpointID string      `json:"endpointId"`
	Models     []llm.Model `json:"models"`
	// FetchedAt is when the server gave this list.
	FetchedAt *time.Time `json:"fetchedAt,omitempty"`
	// Stale: the server could not be asked just now; this is the list it gave last, and Error
	// says why.
	Stale bool   `json:"stale"`
	Error string `json:"error,omitempty"`
}

// ModelList returns the endpoint's models without making the caller wait on a server that is
// down or hangs: a list fetched within FreshFor is served as it is; an older one is refreshed,
// but only for up to ListTimeout, after which the cached list is returned marked stale (the
// refresh goes on in the background and publishes what it finds). Only an endpoint never listed
// before is waited for, up to CheckTimeout, and its failure is the error.
func (r *Registry) ModelList(ctx context.Context, id string) (ModelList, error) {
	r.mu.Lock()
	e, err := r.findLocked(id)
	var (
		cached   []llm.Model
		at       *time.Time
		fresh    time.Time
		provider llm.Provider
	)
	if err == nil {
		cached, at, fresh, provider = slices.Clone(e.status.Models), e.status.ModelsAt, e.fresh, e.provider
	}
	r.mu.Unlock()
	if err != nil {
		return ModelList{}, err
	}
	id = e.ep.ID
	if provider == nil {
		return ModelList{}, fmt.Errorf("list the models of %q: %w", e.ep.Name, r.unusable(e))
	}
	if at != nil && !fresh.IsZero() && time.Since(fresh) < r.opt.FreshFor {
		return ModelList{EndpointID: id, Models: cached, FetchedAt: at}, nil
	}
	if at == nil {
		cctx, cancel := context.WithTimeout(ctx, r.opt.CheckTimeout)
		defer cancel()
		models, err := provider.Models(cctx)
		if r.record(e, provider, "", models, err) {
			r.publish()
		}
		if err != nil {
			if ctx.Err() == nil && cctx.Err() != nil {
				return ModelList{}, fmt.Errorf("list the models of %q: %w: %s", e.ep.Name, llm.ErrUnreachable, describe(cctx.Err(), r.opt.CheckTimeout))
			}
			return ModelList{}, err
		}
		return r.listOf(e, id), nil
	}
	done := r.refresh(e, provider)
	select {
	case <-done:
		return r.listOf(e, id), nil
	case <-time.After(r.opt.ListTimeout):
		l := r.listOf(e, id)
		if !l.Stale {
			l.Stale, l.Error = true, fmt.Sprintf("the server has not answered yet (asked %v ago); this is the list it gave last", r.opt.ListTimeout)
		}
		return l, nil
	case <-ctx.Done():
		return ModelList{}, ctx.Err()
	}
}

// listOf is the endpoint's model list as it stands.
func (r *Registry) listOf(e *entry, id string) ModelList {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := ModelList{EndpointID: id, Models: slices.Clone(e.status.Models), FetchedAt: e.status.ModelsAt, Stale: e.status.Stale}
	if l.Models == nil {
		l.Models = []llm.Model{}
	}
	if l.Stale {
		l.Error = e.status.Error
	}
	return l
}

// refresh fetches the endpoint's models in the background, one fetch at a time per endpoint;
// done closes when this fetch (or the one already running) has been recorded.
func (r *Registry) refresh(e *entry, provider llm.Provider) <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.refreshing != nil {
		return e.refreshing
	}
	done := make(chan struct{})
	e.refreshing = done
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), r.opt.CheckTimeout)
		models, err := provider.Models(ctx)
		cancel()
		changed := r.record(e, provider, "", models, err)
		r.mu.Lock()
		e.refreshing = nil
		r.mu.Unlock()
		close(done)
		if changed {
			r.publish()
		}
	}()
	return done
}

func (r *Registry) unusable(e *entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return fmt.Errorf("%w: %s", ErrInvalid, e.status.Error)
}
