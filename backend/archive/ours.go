package archive

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// Our own file: {"format": formatName, "version": 1, "exportedAt": …, "conversations": [...]}.
// Every field of a conversation and its messages is kept, IDs and times included, so that an
// export imported into an empty history and exported again gives the same file.
const (
	formatName    = "cloudtolocalllm.history"
	formatVersion = 1
)

// conversationV1 is one conversation in our file. Positions are the order of Messages.
type conversationV1 struct {
	ID           string      `json:"id"`
	Title        string      `json:"title"`
	Model        string      `json:"model"`
	EndpointID   string      `json:"endpointId,omitempty"`
	SystemPrompt string      `json:"systemPrompt"`
	Temperature  *float64    `json:"temperature,omitempty"`
	NumCtx       *int        `json:"numCtx,omitempty"`
	Pinned       bool        `json:"pinned"`
	Tags         []string    `json:"tags"`
	CreatedAt    time.Time   `json:"createdAt"`
	UpdatedAt    time.Time   `json:"updatedAt"`
	Messages     []messageV1 `json:"messages"`
}

type messageV1 struct {
	ID             string    `json:"id"`
	Role           string    `json:"role"`
	Content        string    `json:"content"`
	Images         []imageV1 `json:"images,omitempty"`
	Status         string    `json:"status"`
	Error          string    `json:"error,omitempty"`
	Model          string    `json:"model,omitempty"`
	EvalTokens     int       `json:"evalTokens,omitempty"`
	EvalDurationMs int64     `json:"evalDurationMs,omitempty"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

// imageV1 is a picture attached to a message; Data is base64 in the file.
type imageV1 struct {
	MediaType string `json:"mediaType"`
	Data      []byte `json:"data"`
}

// Limits on pictures, the app's own (chat.MaxImages, chat.MaxImageBytes).
const (
	maxImages     = 4
	maxImageBytes = 4 << 20
)

func toV1(c store.Conversation) conversationV1 {
	out := conversationV1{
		ID: c.ID, Title: c.Title, Model: c.Model, EndpointID: c.EndpointID, SystemPrompt: c.SystemPrompt, Temperature: c.Temperature,
		NumCtx: c.NumCtx, Pinned: c.Pinned, Tags: c.Tags, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		Messages: make([]messageV1, len(c.Messages)),
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	for i, m := range c.Messages {
		out.Messages[i] = messageV1{
			ID: m.ID, Role: m.Role, Content: m.Content, Status: m.Status, Error: m.Error, Model: m.Model,
			EvalTokens: m.EvalTokens, EvalDurationMs: m.EvalDurationMs, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
		}
		for _, im := range m.Images {
			out.Messages[i].Images = append(out.Messages[i].Images, imageV1{MediaType: im.MediaType, Data: im.Data})
		}
	}
	return out
}

// problem is a value that is wrong, found after decoding: where (a path under the
// conversation) and what.
type problem struct {
	path, what string
}

func (p *problem) Error() string { return p.path + ": " + p.what }

func problemf(path, format string, args ...any) *problem {
	return &problem{path: path, what: fmt.Sprintf(format, args...)}
}

// fromV1 checks a conversation from our file and turns it into what the store imports. The
// checks are the app's own rules, so nothing imported could not have been made in the app.
func fromV1(c conversationV1) (store.Conversation, *problem) {
	if len(c.ID) > 100 {
		return store.Conversation{}, problemf("id", "is %d bytes long; an ID is at most 100", len(c.ID))
	}
	if utf8.RuneCountInString(c.Title) > maxTitleRunes {
		return store.Conversation{}, problemf("title", "is longer than %d characters", maxTitleRunes)
	}
	if len(c.EndpointID) > 300 || strings.ContainsAny(c.EndpointID, "\n\r\t ") {
		return store.Conversation{}, problemf("endpointId", "%q is not a server ID", c.EndpointID)
	}
	if len(c.SystemPrompt) > MaxContentBytes {
		return store.Conversation{}, problemf("systemPrompt", "is %d bytes; the limit is %d", len(c.SystemPrompt), MaxContentBytes)
	}
	if c.Temperature != nil && !(*c.Temperature >= 0 && *c.Temperature <= 2) {
		return store.Conversation{}, problemf("temperature", "is %g; it must be between 0 and 2", *c.Temperature)
	}
	if c.NumCtx != nil && (*c.NumCtx < 1 || *c.NumCtx > 1<<20) {
		return store.Conversation{}, problemf("numCtx", "is %d; it must be between 1 and %d", *c.NumCtx, 1<<20)
	}
	tags, err := store.NormalizeTags(c.Tags)
	if err != nil {
		return store.Conversation{}, problemf("tags", "%v", err)
	}
	out := store.Conversation{
		ID: c.ID, Title: c.Title, Model: c.Model, EndpointID: c.EndpointID, SystemPrompt: c.SystemPrompt, Temperature: c.Temperature,
		NumCtx: c.NumCtx, Pinned: c.Pinned, Tags: tags, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		Messages: make([]store.Message, len(c.Messages)),
	}
	for i, m := range c.Messages {
		at := fmt.Sprintf("messages[%d]", i)
		switch {
		case m.Role != store.RoleUser && m.Role != store.RoleAssistant:
			return store.Conversation{}, problemf(at+".role", "%q is not user or assistant", m.Role)
		case !validStatus(m.Status):
			return store.Conversation{}, problemf(at+".status", "%q is not one of done, stopped, error, interrupted, streaming", m.Status)
		case len(m.Content) > MaxContentBytes:
			return store.Conversation{}, problemf(at+".content", "is %d bytes; the limit is %d", len(m.Content), MaxContentBytes)
		case len(m.ID) > 100:
			return store.Conversation{}, problemf(at+".id", "is %d bytes long; an ID is at most 100", len(m.ID))
		case m.EvalTokens < 0 || m.EvalDurationMs < 0:
			return store.Conversation{}, problemf(at, "has negative token counts or durations")
		case len(m.Images) > maxImages:
			return store.Conversation{}, problemf(at+".images", "has %d pictures; at most %d go with one message", len(m.Images), maxImages)
		}
		var images store.Images
		for j, im := range m.Images {
			if len(im.Data) == 0 || len(im.Data) > maxImageBytes || !strings.HasPrefix(im.MediaType, "image/") {
				return store.Conversation{}, problemf(fmt.Sprintf("%s.images[%d]", at, j), "is not a picture of at most %d bytes", maxImageBytes)
			}
			images = append(images, store.Image{MediaType: im.MediaType, Data: im.Data})
		}
		out.Messages[i] = store.Message{
			ID: m.ID, Role: m.Role, Content: m.Content, Images: images, Status: m.Status, Error: m.Error, Model: m.Model,
			EvalTokens: m.EvalTokens, EvalDurationMs: m.EvalDurationMs, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
		}
	}
	return out, nil
}

func validStatus(s string) bool {
	switch s {
	case "", store.StatusDone, store.StatusStopped, store.StatusError, store.StatusInterrupted, store.StatusStreaming:
		return true
	}
	return false
}
