// Package api is the one surface every client uses. Each operation is registered once in Ops;
// the desktop window reaches Ops through a single Wails-bound method and a browser through the
// HTTP transport in this package (POST /api/call/{op} and Server-Sent Events), so the two can
// never drift apart. docs/API.md is the contract.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/archive"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/auth"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/chat"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/endpoints"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/models"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/settings"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/status"
)

// Caller says where a call comes from. Remote callers (a browser far away) may only use the
// operations marked for them: nothing that points the desktop at another server.
type Caller int

const (
	Local Caller = iota
	Remote
)

// Services are what the operations work on.
type Services struct {
	Chat     *chat.Service
	Settings *settings.Service
	Status   *status.Monitor
	Models   interface {
		Models(ctx context.Context) ([]llm.Model, error)
	}
	Auth *auth.Service // nil: no sign-in operations
	// Archive exports and imports history (history_ops.go, transfer.go); nil: neither.
	Archive *archive.Service
	// Endpoints and Manager are the model servers and the model manager (models_ops.go); with
	// both set, models.list lists any server, cached. nil: the single-server models.list above.
	Endpoints *endpoints.Registry
	Manager   *models.Manager
}

type op struct {
	remote bool
	call   func(ctx context.Context, args json.RawMessage) (any, error)
}

// Ops is the operation registry.
type Ops struct {
	ops map[string]op
	// For the file transfers, which are HTTP endpoints rather than operations.
	chat    *chat.Service
	archive *archive.Service
}

// NewOps registers every operation over s.
func NewOps(s Services) *Ops {
	o := &Ops{ops: map[string]op{}}
	reg := func(name string, remote bool, f func(ctx context.Context, args json.RawMessage) (any, error)) {
		o.ops[name] = op{remote: remote, call: f}
	}

	if s.Auth != nil {
		o.registerAuth(s.Auth)
	}
	reg("status.get", true, handle(func(ctx context.Context, _ struct{}) (status.Status, error) {
		return s.Status.Get(), nil
	}))
	reg("status.check", true, handle(func(ctx context.Context, _ struct{}) (status.Status, error) {
		return s.Status.Check(ctx), nil
	}))
	reg("status.diagnose", true, handle(func(ctx context.Context, _ struct{}) (status.Diagnosis, error) {
		return s.Status.Diagnose(ctx), nil
	}))
	reg("models.list", true, handle(func(ctx context.Context, _ struct{}) (modelList, error) {
		ms, err := s.Models.Models(ctx)
		if err != nil {
			s.Status.Poke()
			return modelList{}, err
		}
		if ms == nil {
			ms = []llm.Model{}
		}
		return modelList{Models: ms}, nil
	}))
	reg("settings.get", true, handle(func(ctx context.Context, _ struct{}) (settings.Settings, error) {
		return s.Settings.Get(), nil
	}))
	reg("settings.update", true, handle(func(ctx context.Context, p settings.Patch) (settings.Settings, error) {
		// Pointing the desktop at another server from afar would turn it into a proxy for
		// whoever holds the session, so the address can only be changed on the desktop itself.
		if p.OllamaURL != nil && callerFrom(ctx) == Remote {
			return settings.Settings{}, newError(http.StatusForbidden, "forbidden", "the Ollama address can only be changed on the desktop itself", "")
		}
		// Otherwise a remote caller could grant itself the right to pull and delete models.
		if p.RemoteModelChanges != nil && callerFrom(ctx) == Remote {
			return settings.Settings{}, newError(http.StatusForbidden, "forbidden", "whether a browser may pull and delete models can only be changed on the desktop itself", "")
		}
		return s.Settings.Update(ctx, p)
	}))

	o.registerHistory(s)
	reg("conversations.create", true, handle(s.Chat.Create))
	reg("conversations.update", true, handle(s.Chat.Update))
	reg("chat.send", true, handle(func(ctx context.Context, a chat.SendParams) (conversationResult, error) {
		if a.ConversationID == "" && a.Model == "" {
			a.Model = s.Settings.Get().DefaultModel
			// With nothing chosen and Ollama down, the missing model is a symptom: name the cause.
			if o := s.Status.Get().Ollama; a.Model == "" && o.State == status.Unreachable {
				return conversationResult{}, newError(http.StatusServiceUnavailable, "ollama_unreachable",
					"Ollama is not reachable at "+o.URL+", so there is no model to answer.", o.Hint)
			}
		}
		c, err := s.Chat.Send(ctx, a)
		return conversationResult{Conversation: c}, err
	}))
	reg("chat.stop", true, handle(func(ctx context.Context, a struct {
		ConversationID string `json:"conversationId"`
	}) (struct{}, error) {
		return struct{}{}, s.Chat.Stop(ctx, a.ConversationID)
	}))
	reg("chat.retry", true, handle(func(ctx context.Context, a struct {
		MessageID string `json:"messageId"`
	}) (messageResult, error) {
		m, err := s.Chat.Retry(ctx, a.MessageID)
		return messageResult{Message: m}, err
	}))
	reg("chat.regenerate", true, handle(func(ctx context.Context, a struct {
		ConversationID string `json:"conversationId"`
	}) (messageResult, error) {
		m, err := s.Chat.Regenerate(ctx, a.ConversationID)
		return messageResult{Message: m}, err
	}))
	reg("chat.edit", true, handle(func(ctx context.Context, a struct {
		MessageID string `json:"messageId"`
		Content   string `json:"content"`
	}) (conversationResult, error) {
		c, err := s.Chat.Edit(ctx, a.MessageID, a.Content)
		return conversationResult{Conversation: c}, err
	}))
	if s.Endpoints != nil && s.Manager != nil {
		o.registerModels(s)
	}
	return o
}

// Call runs the named operation for caller. The result is ready to marshal as JSON.
func (o *Ops) Call(ctx context.Context, caller Caller, name string, args json.RawMessage) (any, *Error) {
	op, ok := o.ops[name]
	if !ok {
		return nil, newError(http.StatusNotFound, "not_found", fmt.Sprintf("there is no operation %q", name), "")
	}
	if caller == Remote && !op.remote {
		return nil, newError(http.StatusForbidden, "forbidden", fmt.Sprintf("%s can only be done on the desktop itself", name), "")
	}
	res, err := op.call(context.WithValue(ctx, callerKey{}, caller), args)
	if err != nil {
		return nil, toError(err)
	}
	return res, nil
}

// Names lists the registered operations, sorted.
func (o *Ops) Names() []string {
	names := make([]string, 0, len(o.ops))
	for n := range o.ops {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// handle adapts a typed function to the registry: it decodes the arguments strictly, so a typo in
// a field name is an error instead of a silently ignored value.
func handle[A, R any](f func(ctx context.Context, a A) (R, error)) func(context.Context, json.RawMessage) (any, error) {
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var a A
		if len(bytes.TrimSpace(raw)) > 0 && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&a); err != nil {
				return nil, badRequest("the arguments are not valid: " + err.Error())
			}
			if dec.More() {
				return nil, badRequest("the arguments must be one JSON object")
			}
		}
		return f(ctx, a)
	}
}

type callerKey struct{}

func callerFrom(ctx context.Context) Caller {
	c, _ := ctx.Value(callerKey{}).(Caller)
	return c
}

type idArgs struct {
	ID string `json:"id"`
}

type modelList struct {
	Models []llm.Model `json:"models"`
}

type conversationResult struct {
	Conversation chat.Conversation `json:"conversation"`
}

type messageResult struct {
	Message chat.Message `json:"message"`
}
