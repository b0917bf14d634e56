package endpoints

import (
	"context"
	"fmt"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
)

var _ llm.Provider = (*Registry)(nil)

// provider returns the endpoint's provider, or why there is none.
func (r *Registry) provider(id string) (llm.Provider, Endpoint, error) {
	r.mu.Lock()
	e, err := r.findLocked(id)
	if err != nil {
		r.mu.Unlock()
		return nil, Endpoint{}, err
	}
	p, ep := e.provider, e.ep
	r.mu.Unlock()
	if p == nil {
		return nil, ep, fmt.Errorf("model server %q: %w", ep.Name, r.unusable(e))
	}
	return p, ep, nil
}

// Chat sends the request to the server it names (req.Endpoint; empty is this machine's Ollama).
func (r *Registry) Chat(ctx context.Context, req llm.ChatRequest, onDelta func(string) error) (llm.Stats, error) {
	p, _, err := r.provider(req.Endpoint)
	if err != nil {
		return llm.Stats{}, err
	}
	return p.Chat(ctx, req, onDelta)
}

// Models lists this machine's Ollama's models, asked now: the provider view the status monitor
// and diagnostics use.
func (r *Registry) Models(ctx context.Context) ([]llm.Model, error) {
	return r.opt.Local.Models(ctx)
}

// Version is this machine's Ollama's version.
func (r *Registry) Version(ctx context.Context) (string, error) {
	return r.opt.Local.Version(ctx)
}

// BaseURL is this machine's Ollama's address.
func (r *Registry) BaseURL() string { return r.opt.Local.BaseURL() }

// DescribeEndpoint names the server behind id for a person (chat uses it in failure texts).
func (r *Registry) DescribeEndpoint(id string) (name, baseURL string, local bool) {
	s, err := r.Get(id)
	if err != nil {
		return id, "", false
	}
	return s.Name, s.URL, s.Local
}

// Manager returns the endpoint's model manager: Ollama servers only.
func (r *Registry) Manager(id string) (llm.ModelManager, Endpoint, error) {
	p, ep, err := r.provider(id)
	if err != nil {
		return nil, ep, err
	}
	m, ok := p.(llm.ModelManager)
	if !ok {
		return nil, ep, fmt.Errorf("%w: %q is an OpenAI-compatible server; pull and delete its models in its own app (LM Studio, llama.cpp, vLLM, Jan)", ErrNotManageable, ep.Name)
	}
	return m, ep, nil
}

// Invalidate forgets that the endpoint's model list is fresh (after a pull or a delete changed
// it), so the next ModelList asks the server.
func (r *Registry) Invalidate(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, err := r.findLocked(id); err == nil {
		e.fresh = time.Time{}
	}
}
