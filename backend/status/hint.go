package status

import (
	"context"
	"errors"
	"fmt"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
)

// hint says what to do about a failed check, in the person's terms.
func hint(url string, err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("Ollama at %s did not answer in time. Check that the address is right and the machine is awake.", url)
	case errors.Is(err, llm.ErrUnreachable):
		return fmt.Sprintf("Start Ollama (run `ollama serve`) or set its address in Settings. Looking for it at %s.", url)
	default:
		return "Something answered at this address, but not like Ollama does. Check the address in Settings."
	}
}
