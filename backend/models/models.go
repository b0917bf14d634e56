// Package models is the model manager: what a server's models are (details from /api/show), which
// are loaded now (/api/ps) and unloading them, pulling new ones and deleting old ones, and how
// much of a model's context a conversation fills.
//
// A pull is a job that lives in Go, not in the page that asked for it: it goes on when the person
// leaves the page or closes the window, publishes its progress (bytes, speed, time left) as
// models.pull events, and any client sees it again from Jobs. Cancelling keeps what was
// downloaded, so pulling again continues where it stopped.
package models

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/endpoints"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// Event names, as in docs/API.md.
const (
	// EventPull carries a Job whenever its progress or state changes.
	EventPull = "models.pull"
	// EventChanged carries {endpointId} when a pull or delete changed a server's models.
	EventChanged = "models.changed"
)

// Errors callers tell apart.
var (
	// ErrInUse: the model is being used (a reply streams with it, or it is being pulled).
	ErrInUse = errors.New("the model is in use")
	// ErrInvalid: the request cannot be done as asked.
	ErrInvalid = errors.New("invalid request")
)

// Endpoints is what the manager needs of the server list.
type Endpoints interface {
	Manager(id string) (llm.ModelManager, endpoints.Endpoint, error)
	Invalidate(id string)
}

// Conversations is what the context estimate reads.
type Conversations interface {
	GetConversation(ctx context.Context, id string) (store.Conversation, error)
}

// Manager manages models on the servers of an endpoint list. It is safe for concurrent use.
type Manager struct {
	ctx   context.Context // pulls live until it ends
	eps   Endpoints
	convs Conversations
	bus   *events.Bus
	log   *slog.Logger
	// chat and create write summaries (summary.go); nil until EnableSummaries.
	chat   llm.Provider
	create Creator

	mu      sync.Mutex
	jobs    []*job         // newest last; finished ones are kept for a while (see prune)
	writing map[string]int // model name (with tag) → replies streaming with it now
	replies map[string]string
}

// New returns a manager. ctx bounds every pull: when it ends, pulls stop (their downloaded part
// is kept by the server for the next pull).
func New(ctx context.Context, eps Endpoints, convs Conversations, bus *events.Bus, log *slog.Logger) *Manager {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Manager{ctx: ctx, eps: eps, convs: convs, bus: bus, log: log,
		writing: map[string]int{}, replies: map[string]string{}}
}

// EnableSummaries lets Summarize ask models through provider (the endpoint registry) and start
// conversations with create (chat.Service.Create).
func (m *Manager) EnableSummaries(provider llm.Provider, create Creator) {
	m.chat, m.create = provider, create
}

// FollowReplies keeps track, from the chat's events, of which models are writing a reply now,
// so a delete can refuse to pull the floor from under one. It returns when ctx ends.
func (m *Manager) FollowReplies(ctx context.Context) {
	since := m.bus.Seq()
	for ctx.Err() == nil {
		sub, _ := m.bus.Subscribe(since, 1024)
		func() {
			defer sub.Close()
			for {
				select {
				case <-ctx.Done():
					return
				case ev, ok := <-sub.C:
					if !ok {
						return // dropped for lagging: resubscribe from where we were
					}
					since = ev.Seq
					m.apply(ev)
				}
			}
		}()
	}
}

type replyEvent struct {
	Message struct {
		ID     string `json:"id"`
		Role   string `json:"role"`
		Status string `json:"status"`
		Model  string `json:"model"`
	} `json:"message"`
}

func (m *Manager) apply(ev events.Event) {
	if ev.Name != "message.started" && ev.Name != "message.finished" {
		return
	}
	var r replyEvent
	if err := json.Unmarshal(ev.Data, &r); err != nil || r.Message.Role != store.RoleAssistant {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	id := r.Message.ID
	if model, ok := m.replies[id]; ok && (ev.Name == "message.finished" || r.Message.Status != store.StatusStreaming) {
		delete(m.replies, id)
		if m.writing[model]--; m.writing[model] <= 0 {
			delete(m.writing, model)
		}
		return
	}
	if ev.Name == "message.started" && r.Message.Status == store.StatusStreaming && !hasKey(m.replies, id) {
		model := fullName(r.Message.Model)
		m.replies[id] = model
		m.writing[model]++
	}
}

func hasKey(m map[string]string, k string) bool { _, ok := m[k]; return ok }

// fullName is a model name as Ollama lists it: without a tag it is ":latest".
func fullName(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	slash := strings.LastIndex(name, "/")
	if !strings.Contains(name[slash+1:], ":") {
		return name + ":latest"
	}
	return name
}
