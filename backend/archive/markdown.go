package archive

import (
	"fmt"
	"io"
	"strings"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// writeMarkdown writes a conversation as a document to read: the title as a heading, a line of
// facts, then each message under who said it. Message text is Markdown already and goes in as
// it is. Conversations after the first are set apart by a rule.
func writeMarkdown(w io.Writer, c store.Conversation, first bool) error {
	var b strings.Builder
	if !first {
		b.WriteString("\n---\n\n")
	}
	title := strings.TrimSpace(c.Title)
	if title == "" {
		title = "Untitled conversation"
	}
	fmt.Fprintf(&b, "# %s\n\n", oneLine(title))
	facts := []string{c.CreatedAt.UTC().Format("2006-01-02 15:04 MST")}
	if c.Model != "" {
		facts = append(facts, "model "+oneLine(c.Model))
	}
	if c.Pinned {
		facts = append(facts, "pinned")
	}
	if len(c.Tags) > 0 {
		facts = append(facts, "tags: "+strings.Join(c.Tags, ", "))
	}
	fmt.Fprintf(&b, "_%s_\n\n", strings.Join(facts, " · "))
	if strings.TrimSpace(c.SystemPrompt) != "" {
		fmt.Fprintf(&b, "> **System prompt:** %s\n\n", strings.ReplaceAll(strings.TrimSpace(c.SystemPrompt), "\n", "\n> "))
	}
	for _, m := range c.Messages {
		who := "You"
		if m.Role == store.RoleAssistant {
			who = "Assistant"
			if m.Model != "" {
				who += " (" + oneLine(m.Model) + ")"
			}
		}
		b.WriteString("## " + who + "\n\n")
		if n := len(m.Images); n > 0 {
			fmt.Fprintf(&b, "_[%d picture(s) attached]_\n\n", n)
		}
		if m.Content != "" {
			b.WriteString(strings.TrimRight(m.Content, "\n") + "\n\n")
		}
		switch m.Status {
		case store.StatusStopped, store.StatusInterrupted:
			fmt.Fprintf(&b, "_(%s)_\n\n", m.Status)
		case store.StatusError:
			fmt.Fprintf(&b, "_(error: %s)_\n\n", oneLine(m.Error))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// oneLine keeps a heading or fact on its line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
