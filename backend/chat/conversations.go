package chat

import (
	"context"
	"errors"
	"fmt"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// List returns a page of conversations without messages: pinned first, then the most recently
// active. A zero Limit lists them all.
func (s *Service) List(ctx context.Context, p ListParams) (store.ConversationPage, error) {
	page, err := s.st.ListConversations(ctx, store.ListOptions{Limit: p.Limit, Cursor: p.Cursor, Tag: p.Tag})
	return page, badInput(err)
}

// Get returns the conversation with its messages. A reply being written comes with its live
// content, not the last saved copy, and with Chunks.
func (s *Service) Get(ctx context.Context, id string) (Conversation, error) {
	if id == "" {
		return Conversation{}, invalid("id is required")
	}
	c, err := s.st.GetConversation(ctx, id)
	if err != nil {
		return Conversation{}, err
	}
	return s.viewConversation(ctx, c), nil
}

func (s *Service) viewConversation(ctx context.Context, c store.Conversation) Conversation {
	out := Conversation{Conversation: c, Messages: make([]Message, len(c.Messages))}
	for i, m := range c.Messages {
		out.Messages[i] = s.view(ctx, m)
	}
	out.Conversation.Messages = nil
	return out
}

// Create starts an empty conversation.
func (s *Service) Create(ctx context.Context, p CreateParams) (Conversation, error) {
	if err := p.check(); err != nil {
		return Conversation{}, err
	}
	c := store.Conversation{Model: p.Model, EndpointID: p.EndpointID, SystemPrompt: p.SystemPrompt, Temperature: p.Temperature, NumCtx: p.NumCtx}
	if err := s.st.CreateConversation(ctx, &c); err != nil {
		return Conversation{}, err
	}
	s.publishUpdated(c)
	return Conversation{Conversation: c, Messages: []Message{}}, nil
}

// Update changes the title, model or parameters. It may be done while a reply streams; the reply
// keeps the settings it started with.
func (s *Service) Update(ctx context.Context, p UpdateParams) (Conversation, error) {
	patch, err := p.patch()
	if err != nil {
		return Conversation{}, err
	}
	c, err := s.st.UpdateConversation(ctx, p.ID, patch)
	if err != nil {
		return Conversation{}, err
	}
	s.publishUpdated(c)
	return s.Get(ctx, p.ID)
}

// Delete stops the conversation's reply, if one is streaming, and deletes the conversation with
// its messages. It returns the token that undoes it (Restore) until the purge removes it for
// good.
func (s *Service) Delete(ctx context.Context, id string) (undoToken string, err error) {
	if id == "" {
		return "", invalid("id is required")
	}
	g, err := s.claimStopping(ctx, id)
	if err != nil {
		return "", fmt.Errorf("delete conversation: %w", err)
	}
	defer s.release(g)
	token, err := s.st.TrashConversation(ctx, id)
	if err != nil {
		return "", err
	}
	s.bus.Publish(EventConversationDeleted, deletedEvent{ID: id})
	return token, nil
}

// claimStopping claims the conversation, stopping whatever reply holds it first.
func (s *Service) claimStopping(ctx context.Context, id string) (*generation, error) {
	for {
		g, busy, err := s.claim(id)
		if err == nil {
			return g, nil
		}
		if !errors.Is(err, ErrBusy) {
			return nil, err
		}
		if err := s.stop(ctx, busy, errStopped); err != nil {
			return nil, err
		}
	}
}
