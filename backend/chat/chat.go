// Package chat is the conversation service: send, stream, stop, retry, regenerate and edit.
//
// A reply is generated here, in the desktop process, independent of whoever asked for it: it keeps
// streaming when the window is hidden or the web page reloads, and any client catches up from
// Get (the live content and how many deltas it holds) plus the numbered message.delta events.
// The reply's row exists from the start (status streaming), its content is saved every
// flushEvery while it grows, and it is closed with its final state, so a crash loses at most the
// last fraction of a second.
package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// Errors the API layer maps to status codes. Missing conversations and messages are
// store.ErrNotFound; model failures pass through as llm.ErrUnreachable and llm.ErrModelNotFound.
var (
	// ErrBusy: a reply is already streaming in that conversation.
	ErrBusy = errors.New("a reply is already being written in this conversation")
	// ErrInvalid: the request cannot be done as asked (empty content, editing a reply, ...).
	ErrInvalid = errors.New("invalid request")
	// ErrTooLarge is content over MaxContentBytes. It is also an ErrInvalid.
	ErrTooLarge = fmt.Errorf("%w: too large", ErrInvalid)
	// ErrClosed: the service is shutting down and starts nothing new.
	ErrClosed = errors.New("the chat service is shutting down")
)

// MaxContentBytes bounds a message or system prompt. Far above what a person types or pastes into
// a local model's context, it keeps one request from bloating the history.
const MaxContentBytes = 1 << 20

// Event names, as in docs/API.md.
const (
	EventMessageStarted      = "message.started"
	EventMessageDelta        = "message.delta"
	EventMessageFinished     = "message.finished"
	EventConversationUpdated = "conversation.updated"
	EventConversationDeleted = "conversation.deleted"
)

// defaultFlushEvery is how often a growing reply's content is saved: rare enough to cost nothing
// next to generation, often enough that a crash loses little.
const defaultFlushEvery = 250 * time.Millisecond

// Message is a message as clients see it. Chunks is set for a reply that is streaming: how many
// message.delta events Content already holds, so a client applies only the deltas after it.
type Message struct {
	store.Message
	Chunks int `json:"chunks,omitempty"`
}

// Conversation is a conversation with its messages as clients see it.
type Conversation struct {
	store.Conversation
	// Messages shadows store.Conversation.Messages so the JSON carries the live view, and is
	// always present ([] when empty).
	Messages []Message `json:"messages"`
	// Window is set when Messages is a window of a longer conversation: its fields (hasBefore,
	// hasAfter) say whether there is more to load on either side.
	*store.Window
}

// Service runs conversations. It is safe for concurrent use.
type Service struct {
	ctx        context.Context
	st         *store.Store
	provider   llm.Provider
	bus        *events.Bus
	log        *slog.Logger
	flushEvery time.Duration
	// titleTimeout, when set, makes titles by asking the model (titles.go). Title requests run
	// under titles, which Shutdown cancels and waits for.
	titleTimeout time.Duration
	titles       context.Context
	stopTitles   context.CancelFunc
	titling      sync.WaitGroup

	mu     sync.Mutex
	active map[string]*generation // by conversation: the reply being written, or a delete under way
	closed bool
}

// New returns the service. ctx bounds every generation: when it ends, replies still streaming
// stop and are saved as interrupted. Replies a crash left streaming in the database are marked
// interrupted now, before anything new can start.
func New(ctx context.Context, st *store.Store, provider llm.Provider, bus *events.Bus, log *slog.Logger, opts ...Option) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{
		ctx:        ctx,
		st:         st,
		provider:   provider,
		bus:        bus,
		log:        log,
		flushEvery: defaultFlushEvery,
		active:     map[string]*generation{},
	}
	for _, o := range opts {
		o(s)
	}
	s.titles, s.stopTitles = context.WithCancel(ctx)
	n, err := st.MarkStreamingInterrupted(ctx)
	switch {
	case err != nil:
		log.Error("could not close replies left streaming by the last run", "err", err)
	case n > 0:
		log.Info("closed replies left streaming by the last run as interrupted", "count", n)
	}
	return s
}

// summary is a conversation as conversation.updated carries it: no messages.
func summary(c store.Conversation) store.Conversation {
	c.Messages = nil
	return c
}

func (s *Service) publishUpdated(c store.Conversation) {
	s.bus.Publish(EventConversationUpdated, summary(c))
}

type messageEvent struct {
	ConversationID string  `json:"conversationId"`
	Message        Message `json:"message"`
}

type deltaEvent struct {
	ConversationID string `json:"conversationId"`
	MessageID      string `json:"messageId"`
	Index          int    `json:"index"`
	Delta          string `json:"delta"`
}

type deletedEvent struct {
	ID string `json:"id"`
}
