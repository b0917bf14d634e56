package models

import (
	"context"
	"fmt"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
)

// callTimeout bounds a call the person waits for (details, the loaded models, unload, delete):
// a server that hangs gets an answer saying so instead of a page that spins forever.
const callTimeout = 10 * time.Second

// ModelParams name a model on a server (EndpointID empty: this machine's Ollama).
type ModelParams struct {
	EndpointID string `json:"endpointId,omitempty"`
	Name       string `json:"name"`
}

// DeleteParams are the arguments of models.delete. Confirm must be true: deleting a model is
// a download of gigabytes to undo.
type DeleteParams struct {
	EndpointID string `json:"endpointId,omitempty"`
	Name       string `json:"name"`
	Confirm    bool   `json:"confirm"`
}

// Details is /api/show's description of the model.
func (m *Manager) Details(ctx context.Context, p ModelParams) (llm.ModelDetails, error) {
	name, err := checkName(p.Name)
	if err != nil {
		return llm.ModelDetails{}, err
	}
	mgr, _, err := m.eps.Manager(p.EndpointID)
	if err != nil {
		return llm.ModelDetails{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return mgr.Show(ctx, name)
}

// Running lists the models the server holds in memory now.
func (m *Manager) Running(ctx context.Context, endpointID string) ([]llm.RunningModel, error) {
	mgr, _, err := m.eps.Manager(endpointID)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	rs, err := mgr.Running(ctx)
	if rs == nil && err == nil {
		rs = []llm.RunningModel{}
	}
	return rs, err
}

// Unload frees the memory the model holds. A reply being written with it is not cut off: the
// server unloads it once the reply is done.
func (m *Manager) Unload(ctx context.Context, p ModelParams) error {
	name, err := checkName(p.Name)
	if err != nil {
		return err
	}
	mgr, _, err := m.eps.Manager(p.EndpointID)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return mgr.Unload(ctx, name)
}

// Delete removes a model from the server: not while a reply is being written with it or it is
// being pulled (ErrInUse), and after freeing its memory if it is loaded, so nothing of it is left
// running.
func (m *Manager) Delete(ctx context.Context, p DeleteParams) error {
	name, err := checkName(p.Name)
	if err != nil {
		return err
	}
	if !p.Confirm {
		return fmt.Errorf("%w: deleting a model needs {\"confirm\": true}", ErrInvalid)
	}
	mgr, ep, err := m.eps.Manager(p.EndpointID)
	if err != nil {
		return err
	}
	if n := m.writingWith(name); n > 0 {
		return fmt.Errorf("%w: %d %s being written with %s now; stop %s or wait for %s to finish, then delete it",
			ErrInUse, n, plural(n, "reply is", "replies are"), fullName(name), plural(n, "it", "them"), plural(n, "it", "them"))
	}
	if m.pulling(ep.ID, name) {
		return fmt.Errorf("%w: %s is being pulled; cancel the pull first", ErrInUse, fullName(name))
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if running, err := mgr.Running(ctx); err == nil {
		for _, r := range running {
			if r.Name == fullName(name) {
				if err := mgr.Unload(ctx, name); err != nil {
					return fmt.Errorf("free the memory of %s before deleting it (nothing was deleted): %w", r.Name, err)
				}
			}
		}
	}
	if err := mgr.Delete(ctx, name); err != nil {
		return err
	}
	m.log.Info("model deleted", "endpoint", ep.ID, "model", name)
	m.eps.Invalidate(ep.ID)
	m.bus.Publish(EventChanged, map[string]string{"endpointId": ep.ID})
	return nil
}

func (m *Manager) writingWith(name string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.writing[fullName(name)]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
