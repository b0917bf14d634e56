package archive

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// ChatGPT's conversations.json: an array of conversations, each a tree of messages ("mapping":
// node ID → {message, parent, children}) because editing a message or regenerating a reply
// branches it. "current_node" is the leaf of the branch that was shown last; that branch is what
// is imported. Only what a person saw is kept: user and assistant text, not system prompts,
// tool calls and their output, or hidden messages.
type gptConversation struct {
	ID               *string            `json:"id"`
	ConversationID   *string            `json:"conversation_id"`
	Title            *string            `json:"title"`
	CreateTime       *float64           `json:"create_time"`
	UpdateTime       *float64           `json:"update_time"`
	Mapping          map[string]gptNode `json:"mapping"`
	CurrentNode      *string            `json:"current_node"`
	DefaultModelSlug *string            `json:"default_model_slug"`
}

type gptNode struct {
	Message  *gptMessage `json:"message"`
	Parent   *string     `json:"parent"`
	Children []string    `json:"children"`
}

type gptMessage struct {
	Author struct {
		Role string `json:"role"`
	} `json:"author"`
	CreateTime *float64 `json:"create_time"`
	UpdateTime *float64 `json:"update_time"`
	Content    struct {
		ContentType string            `json:"content_type"`
		Parts       []json.RawMessage `json:"parts"`
		Text        *string           `json:"text"`
	} `json:"content"`
	Recipient string `json:"recipient"`
	Metadata  struct {
		ModelSlug string `json:"model_slug"`
		Hidden    bool   `json:"is_visually_hidden_from_conversation"`
	} `json:"metadata"`
}

func fromChatGPT(g gptConversation) (store.Conversation, *problem) {
	id := ""
	switch {
	case g.ConversationID != nil && *g.ConversationID != "":
		id = *g.ConversationID
	case g.ID != nil && *g.ID != "":
		id = *g.ID
	}
	c := store.Conversation{Title: foreignTitle(g.Title), CreatedAt: unixTime(g.CreateTime), UpdatedAt: unixTime(g.UpdateTime)}
	if id != "" {
		c.ID = derivedID("chatgpt", id)
	}
	if g.DefaultModelSlug != nil {
		c.Model = *g.DefaultModelSlug
	}
	for _, nodeID := range gptBranch(g) {
		m := g.Mapping[nodeID].Message
		if m == nil || m.Metadata.Hidden || (m.Recipient != "" && m.Recipient != "all") {
			continue
		}
		role := m.Author.Role
		if role != store.RoleUser && role != store.RoleAssistant {
			continue
		}
		text, p := gptText(m)
		if p != nil {
			p.path = fmt.Sprintf("mapping[%q].message.%s", nodeID, p.path)
			return store.Conversation{}, p
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		if len(text) > MaxContentBytes {
			return store.Conversation{}, problemf(fmt.Sprintf("mapping[%q].message.content", nodeID), "is %d bytes; the limit is %d", len(text), MaxContentBytes)
		}
		msg := store.Message{Role: role, Content: text, Status: store.StatusDone, CreatedAt: unixTime(m.CreateTime), UpdatedAt: unixTime(m.UpdateTime)}
		if role == store.RoleAssistant {
			msg.Model = m.Metadata.ModelSlug
		}
		if id != "" {
			msg.ID = derivedID("chatgpt", id, nodeID)
		}
		c.Messages = append(c.Messages, msg)
	}
	if c.Title == "" && len(c.Messages) > 0 {
		c.Title = foreignTitle(&c.Messages[0].Content)
		if r := []rune(c.Title); len(r) > 60 {
			c.Title = string(r[:59]) + "…"
		}
	}
	return c, nil
}

// gptBranch is the path from the root to the current node, or, without a usable current node,
// to the newest leaf. A parent cycle in a damaged file ends the walk instead of looping.
func gptBranch(g gptConversation) []string {
	leaf := ""
	if g.CurrentNode != nil {
		if _, ok := g.Mapping[*g.CurrentNode]; ok {
			leaf = *g.CurrentNode
		}
	}
	if leaf == "" {
		var newest float64 = -1
		for _, id := range slices.Sorted(mapKeys(g.Mapping)) {
			n := g.Mapping[id]
			if len(n.Children) > 0 {
				continue
			}
			t := 0.0
			if n.Message != nil && n.Message.CreateTime != nil {
				t = *n.Message.CreateTime
			}
			if t > newest {
				newest, leaf = t, id
			}
		}
	}
	var path []string
	seen := map[string]bool{}
	for id := leaf; id != "" && !seen[id]; {
		n, ok := g.Mapping[id]
		if !ok {
			break
		}
		seen[id] = true
		path = append(path, id)
		if n.Parent == nil {
			break
		}
		id = *n.Parent
	}
	slices.Reverse(path)
	return path
}

// gptText is a message's text: its string parts, with a placeholder for each image or file.
func gptText(m *gptMessage) (string, *problem) {
	switch m.Content.ContentType {
	case "text", "multimodal_text", "":
	case "code":
		if m.Content.Text != nil {
			return "```\n" + *m.Content.Text + "\n```", nil
		}
		return "", nil
	default:
		return "", nil // browsing results, execution output, reasoning summaries: not the conversation
	}
	var parts []string
	for i, raw := range m.Content.Parts {
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			parts = append(parts, s)
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return "", problemf(fmt.Sprintf("content.parts[%d]", i), "expected text or an object, found %s", short(raw))
		}
		parts = append(parts, "[attachment]")
	}
	if len(parts) == 0 && m.Content.Text != nil {
		return *m.Content.Text, nil
	}
	return strings.Join(parts, "\n"), nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// short is a value for an error message: enough to recognise, not a screenful.
func short(raw []byte) string {
	s := string(raw)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}
