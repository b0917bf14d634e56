package chat

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// CreateParams are the arguments of conversations.create.
type CreateParams struct {
	Model        string   `json:"model,omitempty"`
	EndpointID   string   `json:"endpointId,omitempty"`
	SystemPrompt string   `json:"systemPrompt,omitempty"`
	Temperature  *float64 `json:"temperature,omitempty"`
	NumCtx       *int     `json:"numCtx,omitempty"`
}

// UpdateParams are the arguments of conversations.update. Fields left out stay as they are; JSON
// null clears Temperature and NumCtx back to the model's default.
type UpdateParams struct {
	ID           string                  `json:"id"`
	Title        *string                 `json:"title,omitempty"`
	Model        *string                 `json:"model,omitempty"`
	EndpointID   *string                 `json:"endpointId,omitempty"`
	SystemPrompt *string                 `json:"systemPrompt,omitempty"`
	Temperature  store.Nullable[float64] `json:"temperature,omitzero"`
	NumCtx       store.Nullable[int]     `json:"numCtx,omitzero"`
	Pinned       *bool                   `json:"pinned,omitempty"`
	Tags         *[]string               `json:"tags,omitempty"`
}

// ListParams are the arguments of conversations.list. Without a Limit the whole list comes at
// once; with one, pages follow NextCursor.
type ListParams struct {
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
	Tag    string `json:"tag,omitempty"`
}

// GetParams are the arguments of conversations.get. Without a Limit every message comes; with
// one, a window of them: the last Limit, or those Before or After a position, or Around a
// message (to open a conversation at a search result).
type GetParams struct {
	ID     string `json:"id"`
	Limit  int    `json:"limit,omitempty"`
	Before *int   `json:"before,omitempty"`
	After  *int   `json:"after,omitempty"`
	Around string `json:"around,omitempty"`
}

// SearchParams are the arguments of history.search.
type SearchParams struct {
	Query          string `json:"query"`
	Limit          int    `json:"limit,omitempty"`
	Cursor         string `json:"cursor,omitempty"`
	ConversationID string `json:"conversationId,omitempty"`
}

// SendParams are the arguments of chat.send. An empty ConversationID starts a new conversation;
// an empty Model uses the conversation's.
type SendParams struct {
	ConversationID string `json:"conversationId,omitempty"`
	Model          string `json:"model,omitempty"`
	// EndpointID, like Model, becomes the conversation's when given ("" keeps it; a new
	// conversation then uses this machine's Ollama).
	EndpointID string `json:"endpointId,omitempty"`
	Content    string `json:"content"`
	// Images go with the message to a vision model (see images.go for the limits).
	Images []store.Image `json:"images,omitempty"`
}

// Limits on parameters. Temperature follows the range models are tuned for; a context window past
// a million tokens is a typo, not a wish.
const (
	maxTitleRunes  = 200
	maxModelBytes  = 300
	minTemperature = 0.0
	maxTemperature = 2.0
	maxNumCtx      = 1 << 20
)

func invalid(format string, args ...any) error {
	return invalidError(fmt.Sprintf(format, args...))
}

// invalidError counts as ErrInvalid but reads as its own words: the person sees the message, and
// "invalid request:" in front of it would tell them nothing.
type invalidError string

func (e invalidError) Error() string        { return string(e) }
func (e invalidError) Is(target error) bool { return target == ErrInvalid }

// inputError is a store error caused by what the caller asked for (a bad search, a forged
// cursor, a tag too long): it keeps the store's words and counts as ErrInvalid.
type inputError struct{ err error }

func (e inputError) Error() string        { return e.err.Error() }
func (e inputError) Unwrap() error        { return e.err }
func (e inputError) Is(target error) bool { return target == ErrInvalid }

// badInput marks the store's input errors as ErrInvalid and passes anything else through.
func badInput(err error) error {
	if errors.Is(err, store.ErrBadQuery) || errors.Is(err, store.ErrInvalidCursor) || errors.Is(err, store.ErrInvalidTag) {
		return inputError{err}
	}
	return err
}

// checkContent accepts what a person may send: not blank, valid text, not huge. The text itself
// is kept exactly as typed.
func checkContent(what, content string, allowEmpty bool) error {
	if len(content) > MaxContentBytes {
		return fmt.Errorf("%w: the %s is %d bytes; the limit is %d (1 MB)", ErrTooLarge, what, len(content), MaxContentBytes)
	}
	if !utf8.ValidString(content) {
		return invalid("the %s is not valid UTF-8 text", what)
	}
	if !allowEmpty && strings.TrimSpace(content) == "" {
		return invalid("the %s is empty", what)
	}
	return nil
}

func checkModel(model string) error {
	if len(model) > maxModelBytes || strings.ContainsAny(model, "\n\r\t") {
		return invalid("%q is not a model name", model)
	}
	return nil
}

func checkTemperature(t *float64) error {
	if t != nil && !(*t >= minTemperature && *t <= maxTemperature) {
		return invalid("temperature must be between %g and %g, not %g", minTemperature, maxTemperature, *t)
	}
	return nil
}

func checkNumCtx(n *int) error {
	if n != nil && (*n < 1 || *n > maxNumCtx) {
		return invalid("the context length must be between 1 and %d tokens, not %d", maxNumCtx, *n)
	}
	return nil
}

func (p CreateParams) check() error {
	if err := checkModel(p.Model); err != nil {
		return err
	}
	if err := checkEndpoint(p.EndpointID); err != nil {
		return err
	}
	if err := checkContent("system prompt", p.SystemPrompt, true); err != nil {
		return err
	}
	if err := checkTemperature(p.Temperature); err != nil {
		return err
	}
	return checkNumCtx(p.NumCtx)
}

// patch validates p and turns it into a store patch; titles and model names are trimmed.
func (p UpdateParams) patch() (store.ConversationPatch, error) {
	if p.ID == "" {
		return store.ConversationPatch{}, invalid("id is required")
	}
	out := store.ConversationPatch{SystemPrompt: p.SystemPrompt, Temperature: p.Temperature, NumCtx: p.NumCtx, Pinned: p.Pinned}
	if p.Tags != nil {
		tags, err := store.NormalizeTags(*p.Tags)
		if err != nil {
			return out, badInput(err)
		}
		out.Tags = &tags
	}
	if p.Title != nil {
		t := strings.Join(strings.Fields(*p.Title), " ")
		if t == "" {
			return out, invalid("the title is empty")
		}
		if utf8.RuneCountInString(t) > maxTitleRunes {
			return out, invalid("the title is longer than %d characters", maxTitleRunes)
		}
		out.Title = &t
	}
	if p.Model != nil {
		m := strings.TrimSpace(*p.Model)
		if err := checkModel(m); err != nil {
			return out, err
		}
		out.Model = &m
	}
	if p.EndpointID != nil {
		e := strings.TrimSpace(*p.EndpointID)
		if err := checkEndpoint(e); err != nil {
			return out, err
		}
		out.EndpointID = &e
	}
	if p.SystemPrompt != nil {
		if err := checkContent("system prompt", *p.SystemPrompt, true); err != nil {
			return out, err
		}
	}
	if err := checkTemperature(p.Temperature.Value); err != nil {
		return out, err
	}
	return out, checkNumCtx(p.NumCtx.Value)
}

// titleWords and titleRunes bound an automatic title: enough to recognise a conversation in the
// list, short enough for one line.
const (
	titleWords = 8
	titleRunes = 60
)

// titleFrom makes a title from the first message: its first words on one line.
func titleFrom(content string) string {
	words := strings.Fields(content)
	cut := len(words) > titleWords
	if cut {
		words = words[:titleWords]
	}
	t := strings.Join(words, " ")
	if r := []rune(t); len(r) > titleRunes {
		t, cut = strings.TrimSpace(string(r[:titleRunes])), true
	}
	if cut {
		t += "…"
	}
	return t
}
