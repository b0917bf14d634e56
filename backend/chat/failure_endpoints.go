package chat

import (
	"errors"
	"fmt"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
)

// endpointDescriber is a provider that routes replies to several servers (endpoints.Router): it
// can say which server a reply went to, so a failure names that server and not this machine's
// Ollama.
type endpointDescriber interface {
	DescribeEndpoint(id string) (name, baseURL string, local bool)
}

// failure is the error text of a reply from endpoint that failed with err.
func (s *Service) failure(err error, model, endpoint string, partial bool) string {
	d, ok := s.provider.(endpointDescriber)
	if !ok {
		return failureText(err, model, s.baseURL(), partial)
	}
	name, base, local := d.DescribeEndpoint(endpoint)
	if local {
		return failureText(err, model, base, partial)
	}
	return endpointFailureText(err, model, name, base, partial)
}

// endpointFailureText is failureText for a server other than this machine's Ollama: the same
// what-happened-and-what-to-do, without advice that only fits Ollama.
func endpointFailureText(err error, model, name, base string, partial bool) string {
	server := fmt.Sprintf("the server %q", name)
	if base != "" {
		server += " (" + base + ")"
	}
	var serverErr *llm.ServerError
	switch {
	case errors.Is(err, llm.ErrUnauthorized):
		return fmt.Sprintf("%s refused the API key — correct it in Settings → Servers, then Retry.", capital(server))
	case errors.Is(err, llm.ErrModelNotFound):
		return fmt.Sprintf("The model %q is not on %s — load it there or choose another model, then Retry.", model, server)
	case errors.Is(err, llm.ErrUnreachable) && partial:
		return fmt.Sprintf("%s stopped answering in the middle of the reply; what arrived is kept. Check that it is still running, then Retry.", capital(server))
	case errors.Is(err, llm.ErrUnreachable):
		return fmt.Sprintf("%s is not reachable — check that it is running and its address in Settings → Servers, then Retry.", capital(server))
	case errors.As(err, &serverErr) && partial:
		return fmt.Sprintf("%s failed in the middle of the reply: %s. What arrived is kept; Retry.", capital(server), serverErr.Message)
	case errors.As(err, &serverErr):
		return fmt.Sprintf("%s refused to write a reply: %s. Check the model and its parameters, then Retry.", capital(server), serverErr.Message)
	default:
		return fmt.Sprintf("No reply from %s: %v", server, err)
	}
}

func capital(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
