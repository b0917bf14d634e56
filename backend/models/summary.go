package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/chat"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// Summaries: when a conversation outgrows its model's context, the person can carry on in a new
// conversation that starts from a summary of the old one (the old one stays as it is).

// SummaryParams are the arguments of context.summarize.
type SummaryParams struct {
	ConversationID string `json:"conversationId"`
}

// Creator makes the new conversation (chat.Service.Create), so it is announced like any other.
type Creator func(ctx context.Context, p chat.CreateParams) (chat.Conversation, error)

// summaryTimeout bounds the whole summary request: a big model on a busy machine takes a while,
// but a person waiting on a button must get an answer.
const summaryTimeout = 3 * time.Minute

// summaryWords bounds the summary, so it leaves the new conversation most of its window.
const summaryWords = 300

const summaryInstruction = "Summarise the conversation below so that it can be continued in a new chat. " +
	"Keep the facts, decisions, code and names that matter, the open questions and what the person prefers. " +
	"Write at most 300 words, in the conversation's language. Reply with the summary only."

// Summarize asks the conversation's model for a summary and starts a new conversation on the
// same server and model whose system prompt carries it.
func (m *Manager) Summarize(ctx context.Context, p SummaryParams) (chat.Conversation, error) {
	if m.create == nil || m.chat == nil {
		return chat.Conversation{}, errors.New("summaries are not wired in this build")
	}
	if p.ConversationID == "" {
		return chat.Conversation{}, fmt.Errorf("%w: conversationId is required", ErrInvalid)
	}
	conv, err := m.convs.GetConversation(ctx, p.ConversationID)
	if err != nil {
		return chat.Conversation{}, err
	}
	if conv.Model == "" {
		return chat.Conversation{}, fmt.Errorf("%w: the conversation has no model to write the summary", ErrInvalid)
	}
	transcript, left := transcriptOf(conv)
	if transcript == "" {
		return chat.Conversation{}, fmt.Errorf("%w: the conversation has nothing to summarise yet", ErrInvalid)
	}
	req := llm.ChatRequest{Endpoint: conv.EndpointID, Model: conv.Model, Messages: []llm.Message{
		{Role: "system", Content: summaryInstruction},
		{Role: "user", Content: transcript},
	}}
	// The summary must see the whole conversation: give the request a window that holds it, as
	// far as the model allows (OpenAI-compatible servers set theirs themselves).
	if d, err := m.details(ctx, conv.EndpointID, conv.Model); err == nil {
		need := nextPow2(textTokens(summaryInstruction) + textTokens(transcript) + replyRoom)
		if d.ContextLength > 0 && need > d.ContextLength {
			need = d.ContextLength
		}
		if need > llm.DefaultNumCtx {
			req.Options.NumCtx = &need
		}
	}
	sctx, cancel := context.WithTimeout(ctx, summaryTimeout)
	defer cancel()
	var out strings.Builder
	if _, err := m.chat.Chat(sctx, req, func(d string) error {
		out.WriteString(d)
		if len(strings.Fields(out.String())) > 2*summaryWords {
			return errEnough // a model that rambles: what it said so far is plenty
		}
		return nil
	}); err != nil && !errors.Is(err, errEnough) {
		return chat.Conversation{}, fmt.Errorf("summarise %q: %w", conv.Title, err)
	}
	summary := strings.TrimSpace(out.String())
	if summary == "" {
		return chat.Conversation{}, fmt.Errorf("summarise %q: the model wrote nothing; try again or pick another model", conv.Title)
	}
	note := ""
	if left > 0 {
		note = fmt.Sprintf(" (its first %d messages were too long to include)", left)
	}
	system := fmt.Sprintf("This conversation continues an earlier one, %q%s. What was said there, in summary:\n\n%s",
		conv.Title, note, summary)
	if conv.SystemPrompt != "" {
		system = conv.SystemPrompt + "\n\n" + system
	}
	created, err := m.create(ctx, chat.CreateParams{Model: conv.Model, EndpointID: conv.EndpointID, SystemPrompt: system,
		Temperature: conv.Temperature, NumCtx: conv.NumCtx})
	if err != nil {
		return chat.Conversation{}, fmt.Errorf("start the conversation from the summary: %w", err)
	}
	return created, nil
}

var errEnough = errors.New("enough summary")

// maxTranscriptBytes keeps the transcript within what a summary request can carry; the oldest
// messages go first when a conversation is longer.
const maxTranscriptBytes = 512 << 10

// transcriptOf writes the conversation as plain text, "Person:" and "Assistant:" turns, newest
// kept when it is too long; left is how many messages did not fit.
func transcriptOf(c store.Conversation) (text string, left int) {
	var turns []string
	size := 0
	for i := len(c.Messages) - 1; i >= 0; i-- {
		msg := c.Messages[i]
		if strings.TrimSpace(msg.Content) == "" {
			continue
		}
		who := "Person"
		if msg.Role == store.RoleAssistant {
			who = "Assistant"
		}
		turn := who + ": " + msg.Content
		if len(msg.Images) > 0 {
			turn += fmt.Sprintf(" [%d picture(s) attached]", len(msg.Images))
		}
		if size+len(turn) > maxTranscriptBytes {
			return strings.Join(reverse(turns), "\n\n"), i + 1
		}
		size += len(turn)
		turns = append(turns, turn)
	}
	return strings.Join(reverse(turns), "\n\n"), 0
}

func reverse(s []string) []string {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
	return s
}

// details is Show on the endpoint's manager; OpenAI-compatible servers have none.
func (m *Manager) details(ctx context.Context, endpoint, model string) (llm.ModelDetails, error) {
	mgr, _, err := m.eps.Manager(endpoint)
	if err != nil {
		return llm.ModelDetails{}, err
	}
	sctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return mgr.Show(sctx, model)
}
