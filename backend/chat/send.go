package chat

import (
	"context"
	"fmt"
	"strings"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// Send adds the person's message and starts the reply. Without a ConversationID it starts a new
// conversation, titled after the message. Without a Model it uses the conversation's; a Model
// given becomes the conversation's. The result holds the new message and the streaming reply.
func (s *Service) Send(ctx context.Context, p SendParams) (Conversation, error) {
	// A picture can be the whole message ("what is this?" is then implied).
	if err := checkContent("message", p.Content, len(p.Images) > 0); err != nil {
		return Conversation{}, err
	}
	if err := checkImages(p.Images); err != nil {
		return Conversation{}, err
	}
	model, endpoint := strings.TrimSpace(p.Model), strings.TrimSpace(p.EndpointID)
	if err := checkModel(model); err != nil {
		return Conversation{}, err
	}
	if err := checkEndpoint(endpoint); err != nil {
		return Conversation{}, err
	}
	if p.ConversationID == "" {
		return s.sendNew(ctx, model, endpoint, p.Content, p.Images)
	}

	g, _, err := s.claim(p.ConversationID)
	if err != nil {
		return Conversation{}, err
	}
	started := false
	defer func() {
		if !started {
			s.release(g)
		}
	}()
	conv, err := s.st.GetConversation(ctx, p.ConversationID)
	if err != nil {
		return Conversation{}, err
	}
	if model == "" {
		model = conv.Model
	}
	if model == "" {
		return Conversation{}, invalid("no model is chosen for this conversation; pick one")
	}
	user := &store.Message{Role: store.RoleUser, Content: p.Content, Images: p.Images}
	reply := &store.Message{Role: store.RoleAssistant, Status: store.StatusStreaming, Model: model}
	err = s.st.Transaction(ctx, func(tx *store.Store) error {
		var patch store.ConversationPatch
		if model != conv.Model {
			patch.Model = &model
		}
		if endpoint != "" && endpoint != conv.EndpointID {
			patch.EndpointID = &endpoint
		}
		if conv.Title == "" {
			t := titleFrom(p.Content)
			patch.Title = &t
		}
		if patch.Model != nil || patch.Title != nil || patch.EndpointID != nil {
			updated, err := tx.UpdateConversation(ctx, conv.ID, patch)
			if err != nil {
				return err
			}
			updated.Messages = conv.Messages
			conv = updated
		}
		return tx.AppendMessages(ctx, conv.ID, user, reply)
	})
	if err != nil {
		return Conversation{}, fmt.Errorf("send: %w", err)
	}
	conv.UpdatedAt = user.CreatedAt
	s.publishUpdated(conv)
	s.bus.Publish(EventMessageStarted, messageEvent{ConversationID: conv.ID, Message: Message{Message: *user}})
	s.start(g, *reply, s.request(conv, append(conv.Messages, *user), model))
	started = true
	return s.Get(ctx, conv.ID)
}

func (s *Service) sendNew(ctx context.Context, model, endpoint, content string, images []store.Image) (Conversation, error) {
	if model == "" {
		return Conversation{}, invalid("no model is chosen; pick one")
	}
	conv := store.Conversation{Title: titleFrom(content), Model: model, EndpointID: endpoint, Messages: []store.Message{
		{Role: store.RoleUser, Content: content, Images: images},
		{Role: store.RoleAssistant, Status: store.StatusStreaming, Model: model},
	}}
	if err := s.st.CreateConversation(ctx, &conv); err != nil {
		return Conversation{}, fmt.Errorf("send: %w", err)
	}
	user, reply := conv.Messages[0], conv.Messages[1]
	g, _, err := s.claim(conv.ID)
	if err != nil {
		// Only a shutdown gets here: close the reply so it does not sit streaming forever.
		interrupted := store.StatusInterrupted
		if _, uerr := s.st.UpdateMessage(context.WithoutCancel(ctx), reply.ID, store.MessageUpdate{Status: &interrupted}); uerr != nil {
			s.log.Warn("could not close a reply that could not start", "message", reply.ID, "err", uerr)
		}
		return Conversation{}, err
	}
	s.publishUpdated(conv)
	s.bus.Publish(EventMessageStarted, messageEvent{ConversationID: conv.ID, Message: Message{Message: user}})
	s.start(g, reply, s.request(conv, []store.Message{user}, model))
	// Answer from what was just written: re-reading it would compete with the first token.
	return s.viewConversation(ctx, conv), nil
}

// Retry generates again, in place, a reply that ended in error, was stopped or was interrupted.
// The person's message is not repeated; messages after the reply stay as they are.
func (s *Service) Retry(ctx context.Context, messageID string) (Message, error) {
	if messageID == "" {
		return Message{}, invalid("messageId is required")
	}
	g, conv, i, err := s.claimMessage(ctx, "retry", messageID, store.RoleAssistant, "only a reply can be retried; edit your message to send it again")
	if err != nil {
		return Message{}, err
	}
	started := false
	defer func() {
		if !started {
			s.release(g)
		}
	}()
	switch st := conv.Messages[i].Status; st {
	case store.StatusError, store.StatusStopped, store.StatusInterrupted:
	case store.StatusDone:
		return Message{}, invalid("this reply is complete; use Regenerate to replace it")
	default:
		return Message{}, invalid("a reply that is %s cannot be retried", st)
	}
	out, err := s.regenerateAt(ctx, g, conv, i)
	started = err == nil
	return out, err
}

// Regenerate replaces the conversation's last reply with a new one, generated in place. When the
// last message is the person's (its reply was never written), it writes that reply.
func (s *Service) Regenerate(ctx context.Context, conversationID string) (Message, error) {
	if conversationID == "" {
		return Message{}, invalid("conversationId is required")
	}
	g, _, err := s.claim(conversationID)
	if err != nil {
		return Message{}, err
	}
	started := false
	defer func() {
		if !started {
			s.release(g)
		}
	}()
	conv, err := s.st.GetConversation(ctx, conversationID)
	if err != nil {
		return Message{}, err
	}
	if len(conv.Messages) == 0 {
		return Message{}, invalid("the conversation has no messages to reply to")
	}
	last := len(conv.Messages) - 1
	var out Message
	if conv.Messages[last].Role == store.RoleAssistant {
		out, err = s.regenerateAt(ctx, g, conv, last)
	} else {
		out, err = s.replyAfter(ctx, g, conv)
	}
	started = err == nil
	return out, err
}

// Edit changes one of the person's messages, removes everything after it and starts a new reply.
func (s *Service) Edit(ctx context.Context, messageID, content string) (Conversation, error) {
	if messageID == "" {
		return Conversation{}, invalid("messageId is required")
	}
	if err := checkContent("message", content, false); err != nil {
		return Conversation{}, err
	}
	g, conv, i, err := s.claimMessage(ctx, "edit", messageID, store.RoleUser, "only your own messages can be edited; retry or regenerate a reply instead")
	if err != nil {
		return Conversation{}, err
	}
	started := false
	defer func() {
		if !started {
			s.release(g)
		}
	}()
	m := conv.Messages[i]
	model := conv.Model
	if model == "" {
		return Conversation{}, invalid("no model is chosen for this conversation; pick one")
	}
	reply := &store.Message{Role: store.RoleAssistant, Status: store.StatusStreaming, Model: model}
	var edited store.Message
	err = s.st.Transaction(ctx, func(tx *store.Store) error {
		var err error
		if edited, err = tx.UpdateMessage(ctx, m.ID, store.MessageUpdate{Content: &content}); err != nil {
			return err
		}
		if _, err := tx.DeleteMessagesAfter(ctx, conv.ID, m.Position); err != nil {
			return err
		}
		// A title made from the old first message follows the edit; one the person chose stays.
		if m.Position == 0 && conv.Title == titleFrom(m.Content) {
			t := titleFrom(content)
			if _, err := tx.UpdateConversation(ctx, conv.ID, store.ConversationPatch{Title: &t}); err != nil {
				return err
			}
		}
		return tx.AppendMessages(ctx, conv.ID, reply)
	})
	if err != nil {
		return Conversation{}, fmt.Errorf("edit: %w", err)
	}
	history := append(conv.Messages[:i:i], edited)
	if c, err := s.st.GetConversation(ctx, conv.ID); err == nil {
		s.publishUpdated(c)
	}
	s.bus.Publish(EventMessageFinished, messageEvent{ConversationID: conv.ID, Message: Message{Message: edited}})
	s.start(g, *reply, s.request(conv, history, model))
	started = true
	return s.Get(ctx, conv.ID)
}

// regenerateAt resets conv.Messages[i], a reply, and generates it again from the messages before
// it, under claim g.
func (s *Service) regenerateAt(ctx context.Context, g *generation, conv store.Conversation, i int) (Message, error) {
	m := conv.Messages[i]
	model := conv.Model
	if model == "" {
		model = m.Model
	}
	if model == "" {
		return Message{}, invalid("no model is chosen for this conversation; pick one")
	}
	empty, streaming, zero, zero64 := "", store.StatusStreaming, 0, int64(0)
	reset, err := s.st.UpdateMessage(ctx, m.ID, store.MessageUpdate{
		Content: &empty, Status: &streaming, Error: &empty, Model: &model, EvalTokens: &zero, EvalDurationMs: &zero64,
	})
	if err != nil {
		return Message{}, err
	}
	s.start(g, reset, s.request(conv, conv.Messages[:i], model))
	return s.view(ctx, reset), nil
}

// replyAfter appends a reply to conv and generates it, under claim g.
func (s *Service) replyAfter(ctx context.Context, g *generation, conv store.Conversation) (Message, error) {
	if conv.Model == "" {
		return Message{}, invalid("no model is chosen for this conversation; pick one")
	}
	reply := &store.Message{Role: store.RoleAssistant, Status: store.StatusStreaming, Model: conv.Model}
	if err := s.st.AppendMessages(ctx, conv.ID, reply); err != nil {
		return Message{}, err
	}
	s.start(g, *reply, s.request(conv, conv.Messages, conv.Model))
	return s.view(ctx, *reply), nil
}

// request is what the model is asked: the system prompt first, then the history. Empty messages
// (a reply that failed before its first token) say nothing and are left out.
func (s *Service) request(conv store.Conversation, history []store.Message, model string) llm.ChatRequest {
	msgs := make([]llm.Message, 0, len(history)+1)
	if strings.TrimSpace(conv.SystemPrompt) != "" {
		msgs = append(msgs, llm.Message{Role: "system", Content: conv.SystemPrompt})
	}
	for _, m := range history {
		if m.Content != "" || len(m.Images) > 0 {
			lm := llm.Message{Role: m.Role, Content: m.Content}
			for _, im := range m.Images {
				lm.Images = append(lm.Images, llm.Image{MediaType: im.MediaType, Data: im.Data})
			}
			msgs = append(msgs, lm)
		}
	}
	return llm.ChatRequest{
		Endpoint: conv.EndpointID,
		Model:    model,
		Messages: msgs,
		Options:  llm.Options{Temperature: conv.Temperature, NumCtx: conv.NumCtx},
	}
}

func indexOf(msgs []store.Message, id string) int {
	for i, m := range msgs {
		if m.ID == id {
			return i
		}
	}
	return -1
}
