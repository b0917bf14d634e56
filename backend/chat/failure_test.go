package chat

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
)

func TestFailureText(t *testing.T) {
	const url = "http://127.0.0.1:11434"
	unreachable := fmt.Errorf("chat: %w: dial tcp: connection refused", llm.ErrUnreachable)
	tests := []struct {
		name    string
		err     error
		baseURL string
		partial bool
		want    []string
		notWant []string
	}{
		{"unreachable", unreachable, url, false,
			[]string{"not reachable at " + url, "`ollama serve`", "Settings", "Retry"}, []string{"connection refused"}},
		{"unreachable, address unknown", unreachable, "", false,
			[]string{"not reachable", "connection refused", "Settings", "Retry"}, nil},
		{"dropped mid-reply", unreachable, url, true,
			[]string{url, "middle of the reply", "kept", "`ollama serve`", "Retry"}, nil},
		{"unknown model", fmt.Errorf("chat: %w", llm.ErrModelNotFound), url, false,
			[]string{`"llama9"`, "`ollama pull llama9`", "Retry"}, nil},
		{"server refused", fmt.Errorf("chat: %w", &llm.ServerError{Status: 400, Message: "bad num_ctx"}), url, false,
			[]string{"refused", "bad num_ctx", "Retry"}, nil},
		{"server failed mid-reply", &llm.ServerError{Status: 200, Message: "runner died"}, url, true,
			[]string{"middle of the reply", "runner died", "kept", "Retry"}, nil},
		{"anything else", errors.New("disk full"), url, false, []string{"disk full", "Retry"}, nil},
		{"anything else mid-reply", errors.New("disk full"), url, true, []string{"disk full", "kept", "Retry"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := failureText(tt.err, "llama9", tt.baseURL, tt.partial)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q does not mention %q", got, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("%q mentions %q", got, w)
				}
			}
		})
	}
}
