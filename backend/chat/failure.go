package chat

import (
	"errors"
	"fmt"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
)

// baseURLer is a provider that can say where it sends requests (llm.Ollama can), which makes a
// failure's text name the address the person has to check.
type baseURLer interface{ BaseURL() string }

func (s *Service) baseURL() string {
	if b, ok := s.provider.(baseURLer); ok {
		return b.BaseURL()
	}
	return ""
}

// failureText is what a failed reply shows in its error field: what happened and what to do, in
// words a person can act on. The full error goes to the log; the provider's own wording is kept
// only where it is the clue (a server's message, an unknown failure).
func failureText(err error, model, baseURL string, partial bool) string {
	at := ""
	if baseURL != "" {
		at = " at " + baseURL
	}
	var serverErr *llm.ServerError
	switch {
	case errors.Is(err, llm.ErrModelNotFound):
		return fmt.Sprintf("The model %q is not installed in Ollama%s — pull it with `ollama pull %s` or choose another model, then Retry.", model, at, model)
	case errors.Is(err, llm.ErrUnreachable) && partial:
		return fmt.Sprintf("Ollama%s stopped answering in the middle of the reply; what arrived is kept. Check that Ollama is still running (`ollama serve`), then Retry.", at)
	case errors.Is(err, llm.ErrUnreachable) && at == "":
		return fmt.Sprintf("Ollama is not reachable (%v) — start it with `ollama serve` or change the Ollama URL in Settings, then Retry.", err)
	case errors.Is(err, llm.ErrUnreachable):
		return fmt.Sprintf("Ollama is not reachable%s — start it with `ollama serve` or change the Ollama URL in Settings, then Retry.", at)
	case errors.As(err, &serverErr) && partial:
		return fmt.Sprintf("Ollama failed in the middle of the reply: %s. What arrived is kept; check Ollama's log, then Retry.", serverErr.Message)
	case errors.As(err, &serverErr):
		return fmt.Sprintf("Ollama refused to write a reply: %s. Check the model and its parameters (temperature, context length), then Retry.", serverErr.Message)
	case partial:
		return fmt.Sprintf("The reply stopped with an error: %v. What arrived is kept; Retry, or check Ollama's log.", err)
	default:
		return fmt.Sprintf("Ollama could not write a reply: %v. Check the model and its parameters, then Retry.", err)
	}
}
