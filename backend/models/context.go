package models

import (
	"context"
	"fmt"
	"math/bits"
	"unicode/utf8"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// ContextParams are the arguments of context.estimate. Draft is the message being typed, which
// counts as it will be sent.
type ContextParams struct {
	ConversationID string `json:"conversationId"`
	Draft          string `json:"draft,omitempty"`
	DraftImages    int    `json:"draftImages,omitempty"`
}

// Context levels.
const (
	LevelOK      = "ok"
	LevelNear    = "near"    // at least nearShare of the window is used
	LevelOver    = "over"    // the conversation no longer fits: the model misses its start
	LevelUnknown = "unknown" // the server does not say its window (OpenAI-compatible servers)
)

// ContextEstimate says how much of the model's context window a conversation fills.
type ContextEstimate struct {
	// Tokens is an estimate: exact for replies the server counted, about four characters a
	// token for the rest, imageTokens a picture.
	Tokens int `json:"tokens"`
	// Window is the context the next reply gets (num_ctx); WindowFrom says who set it:
	// "conversation", "model" (its parameters), "default" (the server's) or "unknown".
	Window     int    `json:"window"`
	WindowFrom string `json:"windowFrom"`
	// ModelMax is the context the model was trained for; a window past it gives nonsense.
	ModelMax int    `json:"modelMax,omitempty"`
	Level    string `json:"level"`
	// SuggestedNumCtx is a window that holds the conversation with room for a long reply, when
	// raising it helps (0 otherwise).
	SuggestedNumCtx int    `json:"suggestedNumCtx,omitempty"`
	Message         string `json:"message,omitempty"`
}

// Estimate rules.
const (
	nearShare      = 0.75
	messageTokens  = 4    // role markers and separators a chat template adds per message
	imageTokens    = 768  // a picture as LLaVA-style models see it (576 patches and markers)
	replyRoom      = 1024 // room to leave for the reply itself
	suggestedFloor = 4096
)

// Estimate measures the conversation (and the draft) against the window its model gets.
func (m *Manager) Estimate(ctx context.Context, p ContextParams) (ContextEstimate, error) {
	if p.ConversationID == "" {
		return ContextEstimate{}, fmt.Errorf("%w: conversationId is required", ErrInvalid)
	}
	conv, err := m.convs.GetConversation(ctx, p.ConversationID)
	if err != nil {
		return ContextEstimate{}, err
	}
	tokens := conversationTokens(conv)
	if p.Draft != "" || p.DraftImages > 0 {
		tokens += messageTokens + textTokens(p.Draft) + p.DraftImages*imageTokens
	}
	var details *llm.ModelDetails
	if conv.Model != "" {
		if mgr, _, err := m.eps.Manager(conv.EndpointID); err == nil {
			sctx, cancel := context.WithTimeout(ctx, callTimeout)
			d, err := mgr.Show(sctx, conv.Model)
			cancel()
			if err == nil {
				details = &d
			}
		}
	}
	return judge(tokens, conv.NumCtx, details), nil
}

// judge compares tokens with the window: the conversation's num_ctx, else the model's own, else
// the server's default; unknown without details (a server that does not describe its models).
func judge(tokens int, convNumCtx *int, d *llm.ModelDetails) ContextEstimate {
	e := ContextEstimate{Tokens: tokens, Level: LevelUnknown, WindowFrom: "unknown"}
	switch {
	case convNumCtx != nil:
		e.Window, e.WindowFrom = *convNumCtx, "conversation"
	case d != nil && d.NumCtx > 0:
		e.Window, e.WindowFrom = d.NumCtx, "model"
	case d != nil:
		e.Window, e.WindowFrom = llm.DefaultNumCtx, "default"
	}
	if d != nil {
		e.ModelMax = d.ContextLength
	}
	if e.Window <= 0 {
		return e
	}
	used := float64(tokens) / float64(e.Window)
	switch {
	case used >= 1:
		e.Level = LevelOver
	case used >= nearShare:
		e.Level = LevelNear
	default:
		e.Level = LevelOK
		return e
	}
	want := nextPow2(max(suggestedFloor, (tokens+replyRoom)*5/4))
	if e.ModelMax > 0 && want > e.ModelMax {
		want = e.ModelMax
	}
	if want > e.Window {
		e.SuggestedNumCtx = want
	}
	pct := int(used*100 + 0.5)
	if e.Level == LevelOver {
		e.Message = fmt.Sprintf("This conversation is about %d tokens, more than the %d-token context the model gets: it no longer sees the beginning.", tokens, e.Window)
	} else {
		e.Message = fmt.Sprintf("This conversation is about %d tokens, %d%% of the %d-token context the model gets; past that, the model silently loses the beginning.", tokens, pct, e.Window)
	}
	if e.SuggestedNumCtx > 0 {
		e.Message += fmt.Sprintf(" Raise the context to %d tokens (it takes more memory), or start a new conversation from a summary.", e.SuggestedNumCtx)
	} else {
		e.Message += " The model cannot take more; start a new conversation from a summary."
	}
	return e
}

func conversationTokens(c store.Conversation) int {
	n := 0
	if c.SystemPrompt != "" {
		n += messageTokens + textTokens(c.SystemPrompt)
	}
	for _, msg := range c.Messages {
		if msg.Content == "" && len(msg.Images) == 0 {
			continue // left out of requests (a reply that failed before its first token)
		}
		n += messageTokens + len(msg.Images)*imageTokens
		if msg.Role == store.RoleAssistant && msg.EvalTokens > 0 && msg.Status == store.StatusDone {
			n += msg.EvalTokens // the server's own count
		} else {
			n += textTokens(msg.Content)
		}
	}
	return n
}

// textTokens estimates tokens the way common BPE vocabularies split text: about four bytes of
// ASCII (English, code) a token, and about one token per character of other scripts.
func textTokens(s string) int {
	ascii, other := 0, 0
	for _, r := range s {
		if r < utf8.RuneSelf {
			ascii++
		} else {
			other++
		}
	}
	return (ascii+3)/4 + other
}

func nextPow2(n int) int {
	if n <= 1 {
		return 1
	}
	return 1 << bits.Len(uint(n-1))
}
