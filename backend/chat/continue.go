package chat

import (
	"context"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// Continue generates more of a reply that was cut off (interrupted by a crash or quit, stopped,
// or failed part-way), after the text it already has: the model is given the partial reply as
// the last assistant turn and its output is appended. Only the conversation's last message can
// be continued; a reply with no text yet is retried instead.
func (s *Service) Continue(ctx context.Context, messageID string) (Message, error) {
	if messageID == "" {
		return Message{}, invalid("messageId is required")
	}
	g, conv, i, err := s.claimMessage(ctx, "continue", messageID, store.RoleAssistant, "only a reply can be continued")
	if err != nil {
		return Message{}, err
	}
	started := false
	defer func() {
		if !started {
			s.release(g)
		}
	}()
	m := conv.Messages[i]
	switch {
	case i != len(conv.Messages)-1:
		return Message{}, invalid("only the last reply can be continued")
	case m.Status == store.StatusDone:
		return Message{}, invalid("this reply is complete; use Regenerate to replace it")
	case m.Status == store.StatusStreaming:
		return Message{}, invalid("this reply is still being written")
	case m.Content == "":
		return Message{}, invalid("this reply has no text to continue; retry it instead")
	}
	model := conv.Model
	if model == "" {
		model = m.Model
	}
	if model == "" {
		return Message{}, invalid("no model is chosen for this conversation; pick one")
	}
	streaming, empty := store.StatusStreaming, ""
	reopened, err := s.st.UpdateMessage(ctx, m.ID, store.MessageUpdate{Status: &streaming, Error: &empty, Model: &model})
	if err != nil {
		return Message{}, err
	}
	s.start(g, reopened, s.request(conv, conv.Messages[:i+1], model))
	started = true
	return s.view(ctx, reopened), nil
}
