package endpoints

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
)

// AddParams are the arguments of endpoints.add.
type AddParams struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	URL    string `json:"url"`
	APIKey string `json:"apiKey,omitempty"`
}

// UpdateParams are the arguments of endpoints.update. Fields left out stay; an empty APIKey
// removes the key.
type UpdateParams struct {
	ID     string  `json:"id"`
	Name   *string `json:"name,omitempty"`
	URL    *string `json:"url,omitempty"`
	APIKey *string `json:"apiKey,omitempty"`
}

const (
	maxNameRunes = 60
	maxKeyBytes  = 4096
)

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

func checkName(name string) (string, error) {
	n := strings.Join(strings.Fields(name), " ")
	if n == "" {
		return "", invalid("the server needs a name, such as \"Desktop in the study\"")
	}
	if utf8.RuneCountInString(n) > maxNameRunes {
		return "", invalid("the name is longer than %d characters", maxNameRunes)
	}
	return n, nil
}

// normalizeURL reads a server address the way its kind does.
func normalizeURL(kind, raw string) (string, error) {
	switch kind {
	case KindOllama:
		if strings.TrimSpace(raw) == "" {
			return "", invalid("the server's address is empty; write it like http://192.168.1.20:11434")
		}
		u, err := llm.ParseOllamaURL(raw)
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		return u.String(), nil
	case KindOpenAI:
		u, err := llm.ParseOpenAIURL(raw)
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		return u.String(), nil
	}
	return "", invalid("kind must be %q (Ollama) or %q (LM Studio, llama.cpp, vLLM, Jan), not %q", KindOllama, KindOpenAI, kind)
}

func checkKey(kind, key string) error {
	switch {
	case key == "":
		return nil
	case kind != KindOpenAI:
		return invalid("Ollama takes no API key; leave it empty")
	case len(key) > maxKeyBytes || strings.ContainsAny(key, "\r\n"):
		return invalid("the API key must be one line of at most %d characters", maxKeyBytes)
	}
	return nil
}

func newEndpointID() (string, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new server id: %w", err)
	}
	return "ep-" + hex.EncodeToString(b), nil
}

// Add saves a new server and starts checking it. Its API key goes to the keyring first: if that
// fails, nothing is saved, and if saving the list fails, the key is taken out again.
func (r *Registry) Add(ctx context.Context, p AddParams) (Status, error) {
	name, err := checkName(p.Name)
	if err != nil {
		return Status{}, err
	}
	url, err := normalizeURL(p.Kind, p.URL)
	if err != nil {
		return Status{}, err
	}
	key := strings.TrimSpace(p.APIKey)
	if err := checkKey(p.Kind, key); err != nil {
		return Status{}, err
	}
	id, err := newEndpointID()
	if err != nil {
		return Status{}, err
	}
	ep := Endpoint{ID: id, Name: name, Kind: p.Kind, URL: url, HasKey: key != ""}
	provider, err := newProvider(ep, key)
	if err != nil {
		return Status{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if key != "" {
		if err := r.opt.Keys.Set(ctx, keyAccount(id), key); err != nil {
			return Status{}, fmt.Errorf("keep the API key of %q in the keyring (nothing was saved): %w", name, err)
		}
	}
	e := &entry{ep: ep, provider: provider, status: Status{State: Checking, Manageable: ep.Kind == KindOllama}}
	r.mu.Lock()
	next := append(append([]*entry(nil), r.entries...), e)
	err = r.saveLocked(ctx, next)
	if err == nil {
		r.entries = next
	}
	r.mu.Unlock()
	if err != nil {
		r.forgetKey(ctx, ep)
		return Status{}, err
	}
	r.opt.Log.Info("model server added", "endpoint", id, "kind", ep.Kind, "url", url)
	r.publish()
	r.Poke()
	return r.Get(id)
}

// Update renames a server, moves it to another address, or changes its API key.
func (r *Registry) Update(ctx context.Context, p UpdateParams) (Status, error) {
	if p.ID == "" || p.ID == LocalID {
		return Status{}, invalid("this computer's Ollama is set up in Settings (its address); other servers need their id")
	}
	r.mu.Lock()
	e, err := r.findLocked(p.ID)
	var ep Endpoint
	if err == nil {
		ep = e.ep
	}
	r.mu.Unlock()
	if err != nil {
		return Status{}, err
	}
	if p.Name != nil {
		if ep.Name, err = checkName(*p.Name); err != nil {
			return Status{}, err
		}
	}
	if p.URL != nil {
		if ep.URL, err = normalizeURL(ep.Kind, *p.URL); err != nil {
			return Status{}, err
		}
	}
	// A new name alone keeps the server's connection (and needs no trip to the keyring).
	reconnect := p.URL != nil || p.APIKey != nil
	key, keyKnown := "", false
	if p.APIKey != nil {
		key, keyKnown = strings.TrimSpace(*p.APIKey), true
		if err := checkKey(ep.Kind, key); err != nil {
			return Status{}, err
		}
		ep.HasKey = key != ""
	} else if ep.HasKey && reconnect {
		if key, err = r.opt.Keys.Get(ctx, keyAccount(ep.ID)); err != nil {
			return Status{}, fmt.Errorf("read the API key of %q from the keyring to apply the change: %w", ep.Name, err)
		}
		keyKnown = true
	}
	var provider llm.Provider
	if reconnect {
		if provider, err = newProvider(ep, key); err != nil {
			return Status{}, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	if p.APIKey != nil {
		if key != "" {
			err = r.opt.Keys.Set(ctx, keyAccount(ep.ID), key)
		} else {
			err = r.opt.Keys.Delete(ctx, keyAccount(ep.ID))
		}
		if err != nil {
			return Status{}, fmt.Errorf("change the API key of %q in the keyring (nothing was changed): %w", ep.Name, err)
		}
	}
	r.mu.Lock()
	e, err = r.findLocked(p.ID)
	if err == nil {
		old := *e
		e.ep = ep
		if reconnect {
			e.provider = provider
			if keyKnown {
				e.keyErr = nil
			}
			e.status = Status{State: Checking, Manageable: ep.Kind == KindOllama}
		}
		if err = r.saveLocked(ctx, r.entries); err != nil {
			*e = old
		}
	}
	r.mu.Unlock()
	if err != nil {
		// The key may have changed already; the person sees the error and tries again.
		return Status{}, err
	}
	r.publish()
	r.Poke()
	return r.Get(ep.ID)
}

// Remove forgets a server and its API key. Conversations that used it keep their history and
// are asked to choose another server when they next send.
func (r *Registry) Remove(ctx context.Context, id string) error {
	if id == "" || id == LocalID {
		return invalid("this computer's Ollama cannot be removed")
	}
	r.mu.Lock()
	e, err := r.findLocked(id)
	if err == nil {
		next := make([]*entry, 0, len(r.entries))
		for _, x := range r.entries {
			if x != e {
				next = append(next, x)
			}
		}
		if err = r.saveLocked(ctx, next); err == nil {
			r.entries = next
		}
	}
	r.mu.Unlock()
	if err != nil {
		return err
	}
	r.forgetKey(ctx, e.ep)
	r.opt.Log.Info("model server removed", "endpoint", id)
	r.publish()
	return nil
}

// forgetKey deletes an endpoint's key; a failure is logged, since a key left in the keyring under
// an ID nobody uses harms nothing and the person cannot act on it.
func (r *Registry) forgetKey(ctx context.Context, ep Endpoint) {
	if !ep.HasKey {
		return
	}
	if err := r.opt.Keys.Delete(ctx, keyAccount(ep.ID)); err != nil {
		r.opt.Log.Warn("could not delete a model server's API key from the keyring", "endpoint", ep.ID, "err", err)
	}
}
