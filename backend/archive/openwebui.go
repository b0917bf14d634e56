package archive

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// Open WebUI's export ("Export All Chats", or one chat): an array of chats. Each holds its
// messages twice, as a tree under chat.history (id → message with parentId; currentId is the
// leaf shown last) and as the list chat.messages; the tree is the one kept up to date, so the
// branch to currentId is imported, and the list only when there is no tree.
type owuiChat struct {
	ID        string   `json:"id"`
	Title     *string  `json:"title"`
	CreatedAt *float64 `json:"created_at"`
	UpdatedAt *float64 `json:"updated_at"`
	Pinned    *bool    `json:"pinned"`
	Meta      struct {
		Tags []string `json:"tags"`
	} `json:"meta"`
	Chat struct {
		Title  *string  `json:"title"`
		Models []string `json:"models"`
		System string   `json:"system"`
		Params struct {
			System string `json:"system"`
		} `json:"params"`
		Timestamp *float64 `json:"timestamp"`
		History   struct {
			Messages  map[string]owuiMessage `json:"messages"`
			CurrentID *string                `json:"currentId"`
		} `json:"history"`
		Messages []owuiMessage `json:"messages"`
	} `json:"chat"`
}

type owuiMessage struct {
	ID        string          `json:"id"`
	ParentID  *string         `json:"parentId"`
	Role      string          `json:"role"`
	Content   json.RawMessage `json:"content"`
	Timestamp *float64        `json:"timestamp"`
	Model     string          `json:"model"`
}

func fromOpenWebUI(o owuiChat) (store.Conversation, *problem) {
	title := o.Title
	if title == nil || strings.TrimSpace(*title) == "" {
		title = o.Chat.Title
	}
	c := store.Conversation{Title: foreignTitle(title), CreatedAt: unixTime(o.CreatedAt), UpdatedAt: unixTime(o.UpdatedAt)}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = unixTime(o.Chat.Timestamp)
	}
	if o.ID != "" {
		c.ID = derivedID("openwebui", o.ID)
	}
	if len(o.Chat.Models) > 0 {
		c.Model = o.Chat.Models[0]
	}
	c.SystemPrompt = o.Chat.Params.System
	if c.SystemPrompt == "" {
		c.SystemPrompt = o.Chat.System
	}
	if len(c.SystemPrompt) > MaxContentBytes {
		return store.Conversation{}, problemf("chat.system", "is %d bytes; the limit is %d", len(c.SystemPrompt), MaxContentBytes)
	}
	c.Pinned = o.Pinned != nil && *o.Pinned
	tags, err := store.NormalizeTags(o.Meta.Tags)
	if err != nil {
		return store.Conversation{}, problemf("meta.tags", "%v", err)
	}
	c.Tags = tags

	msgs, where := owuiBranch(o)
	for i, m := range msgs {
		at := where(i, m)
		if m.Role != store.RoleUser && m.Role != store.RoleAssistant {
			continue
		}
		text, p := owuiText(m.Content)
		if p != nil {
			p.path = at + "." + p.path
			return store.Conversation{}, p
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		if len(text) > MaxContentBytes {
			return store.Conversation{}, problemf(at+".content", "is %d bytes; the limit is %d", len(text), MaxContentBytes)
		}
		msg := store.Message{Role: m.Role, Content: text, Status: store.StatusDone, CreatedAt: unixTime(m.Timestamp)}
		if m.Role == store.RoleAssistant {
			msg.Model = m.Model
		}
		if o.ID != "" && m.ID != "" {
			msg.ID = derivedID("openwebui", o.ID, m.ID)
		}
		c.Messages = append(c.Messages, msg)
	}
	return c, nil
}

// owuiBranch is the messages to import, in order, and how to name the place of each in errors.
func owuiBranch(o owuiChat) ([]owuiMessage, func(int, owuiMessage) string) {
	tree := o.Chat.History.Messages
	if len(tree) == 0 {
		return o.Chat.Messages, func(i int, _ owuiMessage) string { return fmt.Sprintf("chat.messages[%d]", i) }
	}
	leaf := ""
	if o.Chat.History.CurrentID != nil {
		leaf = *o.Chat.History.CurrentID
	}
	if _, ok := tree[leaf]; !ok {
		// No usable currentId: the newest message is where the conversation was left.
		var newest float64 = -1
		for _, id := range slices.Sorted(mapKeys(tree)) {
			if t := tree[id].Timestamp; t != nil && *t > newest {
				newest, leaf = *t, id
			} else if t == nil && leaf == "" {
				leaf = id
			}
		}
	}
	var path []owuiMessage
	seen := map[string]bool{}
	for id := leaf; id != "" && !seen[id]; {
		m, ok := tree[id]
		if !ok {
			break
		}
		seen[id] = true
		path = append(path, m)
		if m.ParentID == nil {
			break
		}
		id = *m.ParentID
	}
	slices.Reverse(path)
	return path, func(_ int, m owuiMessage) string { return fmt.Sprintf("chat.history.messages[%q]", m.ID) }
}

// owuiText is a message's content: text, or (newer versions, images) a list of parts whose
// text parts are kept.
func owuiText(raw json.RawMessage) (string, *problem) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", problemf("content", "expected text, found %s", short(raw))
	}
	var out []string
	for _, p := range parts {
		if p.Type == "text" {
			out = append(out, p.Text)
		} else {
			out = append(out, "[attachment]")
		}
	}
	return strings.Join(out, "\n"), nil
}
