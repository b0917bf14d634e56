package archive

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// A conversations.json in the shape ChatGPT writes: a hidden system message at the root, an
// edited question (two branches; the current one is the edit), a tool call and its output, an
// image beside text, and a conversation with nothing to import.
const chatGPTExport = `[
{
  "title": "Hedgehog diet",
  "create_time": 1700000000.25,
  "update_time": 1700000500.5,
  "conversation_id": "6553f0a1-aaaa-bbbb-cccc-000000000001",
  "id": "6553f0a1-aaaa-bbbb-cccc-000000000001",
  "current_node": "n5",
  "default_model_slug": "gpt-4o",
  "mapping": {
    "root": {"id": "root", "message": null, "parent": null, "children": ["n0"]},
    "n0": {"id": "n0", "parent": "root", "children": ["n1", "n1b"], "message": {"id": "n0", "author": {"role": "system"},
      "content": {"content_type": "text", "parts": [""]}, "metadata": {"is_visually_hidden_from_conversation": true}}},
    "n1": {"id": "n1", "parent": "n0", "children": ["n2"], "message": {"id": "n1", "author": {"role": "user"}, "create_time": 1700000001,
      "content": {"content_type": "text", "parts": ["What do hedgehogs eat?"]}}},
    "n2": {"id": "n2", "parent": "n1", "children": [], "message": {"id": "n2", "author": {"role": "assistant"}, "create_time": 1700000002,
      "content": {"content_type": "text", "parts": ["An old answer"]}, "metadata": {"model_slug": "gpt-4"}}},
    "n1b": {"id": "n1b", "parent": "n0", "children": ["n3"], "message": {"id": "n1b", "author": {"role": "user"}, "create_time": 1700000100,
      "content": {"content_type": "multimodal_text", "parts": [{"content_type": "image_asset_pointer", "asset_pointer": "file-service://x"}, "What do hedgehogs eat, really?"]}}},
    "n3": {"id": "n3", "parent": "n1b", "children": ["n4"], "message": {"id": "n3", "author": {"role": "assistant"}, "recipient": "browser",
      "content": {"content_type": "code", "text": "search(\"hedgehog diet\")"}}},
    "n4": {"id": "n4", "parent": "n3", "children": ["n5"], "message": {"id": "n4", "author": {"role": "tool"},
      "content": {"content_type": "tether_browsing_display", "result": "..."}}},
    "n5": {"id": "n5", "parent": "n4", "children": [], "message": {"id": "n5", "author": {"role": "assistant"}, "create_time": 1700000200,
      "content": {"content_type": "text", "parts": ["Insects, ", "mostly beetles."]}, "status": "finished_successfully", "recipient": "all",
      "metadata": {"model_slug": "gpt-4o", "unknown": {"deep": [1, 2, {"x": null}]}}}}
  }
},
{"title": "Empty one", "create_time": 1700000000, "mapping": {"root": {"id": "root", "message": null, "parent": null, "children": []}}, "current_node": "root", "id": "6553f0a1-aaaa-bbbb-cccc-000000000002"},
{"title": null, "create_time": 1700000600, "id": "6553f0a1-aaaa-bbbb-cccc-000000000003", "mapping": {
  "a": {"id": "a", "parent": null, "children": ["b"], "message": {"author": {"role": "user"}, "content": {"content_type": "text", "parts": ["No current node here, and no title"]}, "create_time": 1700000601}},
  "b": {"id": "b", "parent": "a", "children": [], "message": {"author": {"role": "assistant"}, "content": {"content_type": "text", "parts": ["ok"]}, "create_time": 1700000602}}}}
]`

func TestImportChatGPT(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	res, err := Import(ctx, strings.NewReader(chatGPTExport), "conversations.json", st)
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != FormatChatGPT || res.Conversations != 2 || res.Skipped != 1 || res.Messages != 4 {
		t.Fatalf("Import = %+v", res)
	}
	page, _ := st.ListConversations(ctx, store.ListOptions{})
	var hedgehog, untitled store.Conversation
	for _, c := range page.Conversations {
		full, err := st.GetConversation(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Title == "Hedgehog diet" {
			hedgehog = full
		} else {
			untitled = full
		}
	}
	want := []struct{ role, content, model string }{
		{"user", "[attachment]\nWhat do hedgehogs eat, really?", ""},
		{"assistant", "Insects, \nmostly beetles.", "gpt-4o"},
	}
	if len(hedgehog.Messages) != len(want) {
		t.Fatalf("imported %d messages: %+v", len(hedgehog.Messages), hedgehog.Messages)
	}
	for i, w := range want {
		m := hedgehog.Messages[i]
		if m.Role != w.role || m.Content != w.content || m.Model != w.model || m.Status != store.StatusDone {
			t.Errorf("message %d = %s %q %q %s, want %+v", i, m.Role, m.Content, m.Model, m.Status, w)
		}
	}
	if !hedgehog.CreatedAt.Equal(time.Unix(1700000000, 250000000)) || !hedgehog.UpdatedAt.Equal(time.Unix(1700000500, 500000000)) ||
		hedgehog.Model != "gpt-4o" || !hedgehog.Messages[1].CreatedAt.Equal(time.Unix(1700000200, 0)) {
		t.Errorf("times and model = %v %v %q %v", hedgehog.CreatedAt, hedgehog.UpdatedAt, hedgehog.Model, hedgehog.Messages[1].CreatedAt)
	}
	// Without a current node, the newest leaf; without a title, the first words.
	if len(untitled.Messages) != 2 || untitled.Title != "No current node here, and no title" {
		t.Errorf("untitled = %q with %d messages", untitled.Title, len(untitled.Messages))
	}
	// A second import of the same file finds everything there.
	res, err = Import(ctx, strings.NewReader(chatGPTExport), "conversations.json", st)
	if err != nil || res.Conversations != 0 || res.Skipped != 3 {
		t.Fatalf("second Import = %+v, %v", res, err)
	}
}

// Open WebUI's "Export All Chats": each chat's messages as a tree (history) and as a list; the
// tree's current branch is what the person last saw.
const openWebUIExport = `[
{"id": "c0ffee00-0000-4000-8000-000000000001", "user_id": "u1", "title": "Rust lifetimes",
 "created_at": 1710000000, "updated_at": 1710000300, "pinned": true, "archived": false, "share_id": null, "folder_id": null,
 "meta": {"tags": ["rust", "learning"]},
 "chat": {"id": "", "title": "Rust lifetimes", "models": ["llama3.1:8b"], "params": {"system": "You teach Rust."},
  "history": {"currentId": "m3b", "messages": {
    "m1": {"id": "m1", "parentId": null, "childrenIds": ["m2"], "role": "user", "content": "Explain lifetimes", "timestamp": 1710000001, "models": ["llama3.1:8b"]},
    "m2": {"id": "m2", "parentId": "m1", "childrenIds": ["m3a", "m3b"], "role": "assistant", "content": "They name how long a borrow lives.", "model": "llama3.1:8b", "timestamp": 1710000002, "done": true},
    "m3a": {"id": "m3a", "parentId": "m2", "childrenIds": [], "role": "user", "content": "A branch not shown", "timestamp": 1710000100},
    "m3b": {"id": "m3b", "parentId": "m2", "childrenIds": [], "role": "user", "content": [{"type": "text", "text": "Show an example"}, {"type": "image_url", "image_url": {"url": "data:..."}}], "timestamp": 1710000200}
  }},
  "messages": [], "tags": [], "timestamp": 1710000000000, "files": []}},
{"id": "c0ffee00-0000-4000-8000-000000000002", "title": "Old style", "created_at": 1600000000000,
 "chat": {"title": "Old style", "models": ["mistral"], "messages": [
   {"id": "x1", "parentId": null, "role": "user", "content": "hello"},
   {"id": "x2", "parentId": "x1", "role": "assistant", "content": "hi there", "model": "mistral"}]}}
]`

func TestImportOpenWebUI(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	res, err := Import(ctx, strings.NewReader(openWebUIExport), "chat-export.json", st)
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != FormatOpenWebUI || res.Conversations != 2 || res.Messages != 5 {
		t.Fatalf("Import = %+v", res)
	}
	page, _ := st.ListConversations(ctx, store.ListOptions{})
	first := page.Conversations[0] // pinned
	c, err := st.GetConversation(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Title != "Rust lifetimes" || !c.Pinned || strings.Join(c.Tags, ",") != "learning,rust" || c.Model != "llama3.1:8b" ||
		c.SystemPrompt != "You teach Rust." || !c.CreatedAt.Equal(time.Unix(1710000000, 0)) {
		t.Fatalf("conversation = %+v", c)
	}
	got := []string{}
	for _, m := range c.Messages {
		got = append(got, m.Role+": "+m.Content)
	}
	want := "user: Explain lifetimes|assistant: They name how long a borrow lives.|user: Show an example\n[attachment]"
	if strings.Join(got, "|") != want {
		t.Fatalf("messages = %q\nwant %q", strings.Join(got, "|"), want)
	}
	old, err := st.GetConversation(ctx, page.Conversations[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	// Milliseconds are read as milliseconds.
	if len(old.Messages) != 2 || old.Messages[1].Model != "mistral" || old.CreatedAt.Year() != 2020 {
		t.Fatalf("old-style chat = %+v", old)
	}
}
