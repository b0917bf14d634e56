package chat

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// Option changes how a Service works.
type Option func(*Service)

// WithAutoTitles makes the service ask the model for a short title once the first reply of a
// conversation is done, giving up after timeout. Until then, and whenever the model gives
// nothing usable, the title is the first words of the first message. A title the person has
// typed is never replaced.
func WithAutoTitles(timeout time.Duration) Option {
	return func(s *Service) { s.titleTimeout = timeout }
}

// titleInputRunes bounds how much of the exchange the model reads to name it: the gist is in the
// first lines, and a short prompt keeps the extra request cheap.
const titleInputRunes = 1000

// titleEnough is how much output is read before the request is cut: a title is one short line,
// and a model that rambles is stopped rather than waited for.
const titleEnough = 200

var errTitleEnough = errors.New("enough for a title")

// goTitle starts maybeTitle in the background unless the service is shutting down: under s.mu,
// so that Shutdown (which sets closed under it) waits for every title it lets start.
func (s *Service) goTitle(convID, replyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.titling.Add(1)
	go func() {
		defer s.titling.Done()
		s.maybeTitle(convID, replyID)
	}()
}

// maybeTitle names the conversation after its first exchange, if it still has the title made
// from the first message. It runs in the background after the reply is closed.
func (s *Service) maybeTitle(convID, replyID string) {
	ctx, cancel := context.WithTimeout(s.titles, s.titleTimeout)
	defer cancel()
	conv, err := s.st.GetConversation(ctx, convID)
	if err != nil || len(conv.Messages) != 2 || conv.Messages[1].ID != replyID {
		return // deleted, or not the first exchange
	}
	q, a := conv.Messages[0], conv.Messages[1]
	if conv.Title != titleFrom(q.Content) || a.Status != store.StatusDone {
		return
	}
	model := a.Model
	if model == "" {
		model = conv.Model
	}
	title, err := s.askTitle(ctx, conv.EndpointID, model, q.Content, a.Content)
	if err != nil {
		s.log.Debug("no title from the model; keeping the first words", "conversation", convID, "err", err)
		return
	}
	c, replaced, err := s.st.ReplaceTitle(ctx, convID, conv.Title, title)
	if err != nil {
		s.log.Warn("could not save the title", "conversation", convID, "err", err)
		return
	}
	if replaced {
		s.publishUpdated(c)
	}
}

// askTitle asks model for a title of the exchange and cleans up what it says.
func (s *Service) askTitle(ctx context.Context, endpoint, model, question, answer string) (string, error) {
	prompt := "Write a title of at most six words for this conversation. Reply with the title only: " +
		"no quotes, no punctuation at the end.\n\nUser: " + clip(question, titleInputRunes) +
		"\n\nAssistant: " + clip(answer, titleInputRunes)
	var out strings.Builder
	_, err := s.provider.Chat(ctx, llm.ChatRequest{Endpoint: endpoint, Model: model, Messages: []llm.Message{{Role: "user", Content: prompt}}},
		func(delta string) error {
			out.WriteString(delta)
			if out.Len() >= titleEnough || strings.Contains(strings.TrimLeft(out.String(), " \n"), "\n") {
				return errTitleEnough
			}
			return nil
		})
	if err != nil && !errors.Is(err, errTitleEnough) {
		return "", err
	}
	t := cleanTitle(out.String())
	if t == "" {
		return "", errors.New("the model's answer holds no title")
	}
	return t, nil
}

// cleanTitle keeps the first line of what the model said, without the decoration models like to
// add ("Title:", quotes, Markdown, a final full stop), and at most titleWords words.
func cleanTitle(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimLeft(s, "#*_> \t")
	if k, v, ok := strings.Cut(s, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "title") {
		s = v
	}
	s = strings.Trim(s, " \t\"'`*_“”‘’«»")
	s = strings.TrimRight(s, ".!?,;: ")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	t := titleFrom(s)
	if strings.HasSuffix(t, "…") && utf8.RuneCountInString(t) <= 3 {
		return ""
	}
	return t
}

// clip is s cut to at most n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
