package chat

import (
	"errors"
	"fmt"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
)

// failureText is what a failed reply shows in its error field: what happened and what to do, in
// words a person can act on. The underlying error (with the server's address) is included
// because it is often the clue.
func failureText(err error, model string, partial bool) string {
	switch {
	case errors.Is(err, llm.ErrModelNotFound):
		return fmt.Sprintf("The model %q is not installed in Ollama — pull it with `ollama pull %s` or choose another model, then Retry.", model, model)
	case errors.Is(err, llm.ErrUnreachable) && partial:
		return fmt.Sprintf("The connection to Ollama was lost in the middle of the reply (%v). Check that Ollama is still running (`ollama serve`), then Retry.", err)
	case errors.Is(err, llm.ErrUnreachable):
		return fmt.Sprintf("Ollama is not reachable (%v) — start it with `ollama serve` or change the Ollama URL in Settings, then Retry.", err)
	case partial:
		return fmt.Sprintf("The reply stopped with an error: %v. Retry, or check Ollama's log.", err)
	default:
		return fmt.Sprintf("Ollama could not write a reply: %v. Check the model and its parameters, then Retry.", err)
	}
}
