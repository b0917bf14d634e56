package models_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/chat"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/endpoints"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/models"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/secrets"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/ollamatest"
	"github.com/cloudtolocalllm/cloudtolocalllm/internal/registrytest"
)

type noKeys struct{}

func (noKeys) Get(context.Context, string) (string, error) { return "", secrets.ErrNotFound }
func (noKeys) Set(context.Context, string, string) error   { return errors.New("no keys in this test") }
func (noKeys) Delete(context.Context, string) error        { return nil }

type rig struct {
	srv   *ollamatest.Server
	reg   *registrytest.Registry
	st    *store.Store
	bus   *events.Bus
	eps   *endpoints.Registry
	chat  *chat.Service
	m     *models.Manager
	local *llm.Ollama
}

// newRig wires the manager the way the app does: a real Ollama behind the endpoint registry, a
// real history, the chat service writing replies through the registry, and a registry to pull
// from.
func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{srv: ollamatest.Start(t), reg: registrytest.Start(t), bus: events.NewBus(10000)}
	ctx, cancel := context.WithCancel(context.Background())
	var err error
	if r.st, err = store.Open(ctx, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if r.local, err = llm.NewOllama(r.srv.URL, nil); err != nil {
		t.Fatal(err)
	}
	if r.eps, err = endpoints.New(ctx, endpoints.Options{Storage: r.st, Keys: noKeys{}, Bus: r.bus, Local: r.local}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	r.chat = chat.New(ctx, r.st, r.eps, r.bus, log)
	r.m = models.New(ctx, r.eps, r.st, r.bus, log)
	go r.m.FollowReplies(ctx)
	t.Cleanup(func() {
		sctx, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		r.chat.Shutdown(sctx)
		cancel()
		r.st.Close()
	})
	return r
}

// pullEvents collects models.pull events for one job until it ends.
func pullEvents(t *testing.T, sub *events.Subscription, id string) []models.Job {
	t.Helper()
	var out []models.Job
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case ev := <-sub.C:
			if ev.Name != models.EventPull {
				continue
			}
			var j models.Job
			if err := json.Unmarshal(ev.Data, &j); err != nil {
				t.Fatal(err)
			}
			if j.ID != id {
				continue
			}
			out = append(out, j)
			if j.State != models.Pulling {
				return out
			}
		case <-timeout:
			t.Fatalf("the pull %s did not end; events so far %+v", id, out)
		}
	}
}

func TestPullJobs(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()

	t.Run("progress, and the pull outlives its caller", func(t *testing.T) {
		model := registrytest.TinyModel(t, 21, nil)
		name := r.reg.PublishModel(t, "job", model)
		sub, _ := r.bus.Subscribe(r.bus.Seq(), 10000)
		defer sub.Close()
		// The caller goes away at once, like a page that is closed right after the click.
		cctx, leave := context.WithCancel(ctx)
		job, err := r.m.Pull(cctx, models.PullParams{Name: name, Insecure: true})
		leave()
		if err != nil {
			t.Fatal(err)
		}
		if job.State != models.Pulling || job.EndpointID != endpoints.LocalID || job.SecondsLeft != -1 {
			t.Errorf("a new job %+v, want pulling on this computer with no time left known", job)
		}
		evs := pullEvents(t, sub, job.ID)
		final := evs[len(evs)-1]
		if final.State != models.Done || final.Total < int64(len(model.GGUF)) || final.Completed != final.Total || final.FinishedAt == nil {
			t.Fatalf("the pull ended %+v, want done with every byte", final)
		}
		sawBytes := slices.ContainsFunc(evs, func(j models.Job) bool { return j.State == models.Pulling && j.Total > 0 })
		if !sawBytes {
			t.Errorf("no progress event carried byte counts: %+v", evs)
		}
		if jobs := r.m.Jobs(); !slices.ContainsFunc(jobs, func(j models.Job) bool { return j.ID == job.ID && j.State == models.Done }) {
			t.Errorf("Jobs = %+v, want the finished pull still listed for a page that comes back", jobs)
		}
		list, err := r.eps.ModelList(ctx, "")
		if err != nil || !slices.ContainsFunc(list.Models, func(m llm.Model) bool { return m.Name == name+":latest" }) {
			t.Errorf("model list after the pull = %+v, %v; want %s (the cache was invalidated)", list, err, name)
		}
	})

	t.Run("cancel keeps the download, pulling again resumes, a second click joins", func(t *testing.T) {
		model := registrytest.TinyModel(t, 22, nil)
		name := r.reg.PublishModel(t, "cancelled", model)
		const held = 200_000
		r.reg.Hold(held)
		sub, _ := r.bus.Subscribe(r.bus.Seq(), 10000)
		defer sub.Close()
		job, err := r.m.Pull(ctx, models.PullParams{Name: name, Insecure: true})
		if err != nil {
			t.Fatal(err)
		}
		waitEvent(t, sub, func(j models.Job) bool { return j.ID == job.ID && j.Completed >= held })
		again, err := r.m.Pull(ctx, models.PullParams{Name: name + ":latest", Insecure: true})
		if err != nil || again.ID != job.ID {
			t.Errorf("pulling the same model again = %+v, %v; want the running job %s", again, err, job.ID)
		}
		ended, err := r.m.Cancel(ctx, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ended.State != models.Cancelled || !strings.Contains(ended.Error, "pull it again to continue") || ended.Completed < held {
			t.Errorf("cancelled job %+v, want cancelled at ≥ %d bytes, saying how to continue", ended, held)
		}
		// Ollama saves how far a part got when its download ends, a moment after the pull is
		// cancelled; a pull started before that starts over, so wait until it is on disk.
		waitSavedPart(t, r.srv.Dir, held)
		r.reg.Release()
		resumed, err := r.m.Pull(ctx, models.PullParams{Name: name, Insecure: true})
		if err != nil {
			t.Fatal(err)
		}
		if resumed.ID == job.ID {
			t.Fatal("a cancelled job was reused")
		}
		final, err := r.m.Wait(ctx, resumed.ID)
		if err != nil || final.State != models.Done {
			t.Fatalf("the resumed pull ended %+v, %v", final, err)
		}
		var ranges []string
		for _, b := range r.reg.BlobRequests() {
			ranges = append(ranges, b.Range)
		}
		if !slices.ContainsFunc(ranges, func(s string) bool { return strings.HasPrefix(s, "bytes=") && !strings.HasPrefix(s, "bytes=0-") }) {
			t.Errorf("no download continued past byte 0: %q", ranges)
		}
	})

	t.Run("a name nobody has", func(t *testing.T) {
		before, _ := r.local.Models(ctx)
		job, err := r.m.Pull(ctx, models.PullParams{Name: r.reg.Host + "/library/nope", Insecure: true})
		if err != nil {
			t.Fatal(err)
		}
		final, err := r.m.Wait(ctx, job.ID)
		if err != nil || final.State != models.Failed || !strings.Contains(final.Error, "has no model") {
			t.Fatalf("pull of a missing model ended %+v, %v; want an error saying there is no such model", final, err)
		}
		if after, _ := r.local.Models(ctx); len(after) != len(before) {
			t.Errorf("a failed pull left models behind: %d → %d", len(before), len(after))
		}
	})

	t.Run("bad input", func(t *testing.T) {
		for _, p := range []models.PullParams{{Name: ""}, {Name: "two words"}} {
			if _, err := r.m.Pull(ctx, p); !errors.Is(err, models.ErrInvalid) {
				t.Errorf("Pull(%+v) = %v, want ErrInvalid", p, err)
			}
		}
		if _, err := r.m.Pull(ctx, models.PullParams{EndpointID: "ep-gone", Name: "x"}); !errors.Is(err, endpoints.ErrUnknown) {
			t.Errorf("Pull to a removed server = %v, want ErrUnknown", err)
		}
	})
}

func waitEvent(t *testing.T, sub *events.Subscription, match func(models.Job) bool) models.Job {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case ev := <-sub.C:
			if ev.Name != models.EventPull {
				continue
			}
			var j models.Job
			if err := json.Unmarshal(ev.Data, &j); err != nil {
				t.Fatal(err)
			}
			if match(j) {
				return j
			}
		case <-timeout:
			t.Fatal("no matching models.pull event within a minute")
		}
	}
}

// TestDetailsRunningDelete: a model's details, the loaded models, and a delete that refuses while
// a reply is being written with the model and frees its memory before removing it.
func TestDetailsRunningDelete(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()

	d, err := r.m.Details(ctx, models.ModelParams{Name: ollamatest.TinyLongModel})
	if err != nil || d.ContextLength != 4096 || !strings.Contains(d.Parameters, "num_predict") {
		t.Fatalf("Details = %+v, %v", d, err)
	}
	if _, err := r.m.Details(ctx, models.ModelParams{Name: "missing"}); !errors.Is(err, llm.ErrModelNotFound) {
		t.Errorf("Details(missing) = %v, want ErrModelNotFound", err)
	}

	// A model of its own (tiny and tiny-long share one runner, so /api/ps lists only one of
	// them): pulled from the registry, with replies long enough to delete it mid-reply.
	name := r.reg.PublishModel(t, "deleteme", registrytest.TinyModel(t, 31, map[string]any{"num_predict": 100000, "num_thread": 1}))
	full := name + ":latest"
	if err := r.local.Pull(ctx, name, true, nil); err != nil {
		t.Fatal(err)
	}
	conv, err := r.chat.Send(ctx, chat.SendParams{Model: name, Content: "talk for a while"})
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, full+" is loaded", func() bool {
		rs, err := r.m.Running(ctx, "")
		return err == nil && slices.ContainsFunc(rs, func(m llm.RunningModel) bool { return m.Name == full && m.Size > 0 })
	})
	if err := r.m.Delete(ctx, models.DeleteParams{Name: name}); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("Delete without confirm = %v, want ErrInvalid", err)
	}
	err = r.m.Delete(ctx, models.DeleteParams{Name: full, Confirm: true})
	if !errors.Is(err, models.ErrInUse) || !strings.Contains(err.Error(), "being written") {
		t.Fatalf("Delete while a reply streams = %v, want ErrInUse saying a reply is being written", err)
	}
	t.Logf("the person reads: %v", err)
	if ms, _ := r.local.Models(ctx); !slices.ContainsFunc(ms, func(m llm.Model) bool { return m.Name == full }) {
		t.Fatal("a refused delete removed the model")
	}
	if err := r.chat.Stop(ctx, conv.ID); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the manager sees the reply end", func() bool {
		err := r.m.Delete(ctx, models.DeleteParams{Name: name, Confirm: true})
		return err == nil
	})
	if ms, _ := r.local.Models(ctx); slices.ContainsFunc(ms, func(m llm.Model) bool { return m.Name == full }) {
		t.Error("the model is still listed after the delete")
	}
	// The delete unloaded it first: nothing of it is left in memory.
	waitUntil(t, full+" leaves memory", func() bool {
		rs, err := r.m.Running(ctx, "")
		return err == nil && !slices.ContainsFunc(rs, func(m llm.RunningModel) bool { return m.Name == full })
	})
	if _, err := r.local.Chat(ctx, llm.ChatRequest{Model: ollamatest.TinyModel, Messages: []llm.Message{{Role: "user", Content: "hi"}}}, nil); err != nil {
		t.Errorf("tiny after deleting another model: %v", err)
	}
	if err := r.m.Delete(ctx, models.DeleteParams{Name: name, Confirm: true}); !errors.Is(err, llm.ErrModelNotFound) {
		t.Errorf("deleting it again = %v, want ErrModelNotFound", err)
	}
}

// TestEstimate: a conversation near the default window of a model that sets none is told so,
// with a larger window to raise it to; the estimate follows the conversation's own num_ctx.
func TestEstimate(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	long := strings.Repeat("word ", 1300) // ~1625 tokens at four characters a token
	c := store.Conversation{Model: ollamatest.TinyModel, Messages: []store.Message{{Role: store.RoleUser, Content: long}}}
	if err := r.st.CreateConversation(ctx, &c); err != nil {
		t.Fatal(err)
	}
	e, err := r.m.Estimate(ctx, models.ContextParams{ConversationID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	if e.Level != models.LevelNear || e.Window != llm.DefaultNumCtx || e.WindowFrom != "default" || e.ModelMax != 4096 || e.SuggestedNumCtx != 4096 {
		t.Errorf("estimate %+v, want near the default 2048 with 4096 suggested (the model's maximum)", e)
	}
	withDraft, err := r.m.Estimate(ctx, models.ContextParams{ConversationID: c.ID, Draft: long})
	if err != nil || withDraft.Level != models.LevelOver || withDraft.Tokens <= e.Tokens {
		t.Errorf("with the draft: %+v, %v; want over", withDraft, err)
	}
	n := 4096
	if _, err := r.st.UpdateConversation(ctx, c.ID, store.ConversationPatch{NumCtx: store.Nullable[int]{Set: true, Value: &n}}); err != nil {
		t.Fatal(err)
	}
	if e, err := r.m.Estimate(ctx, models.ContextParams{ConversationID: c.ID}); err != nil || e.Level != models.LevelOK || e.Window != 4096 {
		t.Errorf("after raising num_ctx: %+v, %v; want ok in 4096", e, err)
	}
	if _, err := r.m.Estimate(ctx, models.ContextParams{ConversationID: "nope"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("estimate of a missing conversation = %v, want store.ErrNotFound", err)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within a minute", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSummarize: a conversation is summarised by its own model into a new conversation on the
// same server and model, which starts from the summary; the old one is left as it was.
func TestSummarize(t *testing.T) {
	r := newRig(t)
	r.m.EnableSummaries(r.eps, r.chat.Create)
	ctx := context.Background()
	empty, err := r.chat.Create(ctx, chat.CreateParams{Model: ollamatest.TinyModel})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.m.Summarize(ctx, models.SummaryParams{ConversationID: empty.ID}); !errors.Is(err, models.ErrInvalid) {
		t.Errorf("summarising an empty conversation = %v, want ErrInvalid", err)
	}

	conv, err := r.chat.Send(ctx, chat.SendParams{Model: ollamatest.TinyModel, Content: "Tell me about local models"})
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the reply is done", func() bool {
		c, err := r.st.GetConversation(ctx, conv.ID)
		return err == nil && len(c.Messages) == 2 && c.Messages[1].Status == store.StatusDone
	})
	before, _ := r.st.GetConversation(ctx, conv.ID)
	next, err := r.m.Summarize(ctx, models.SummaryParams{ConversationID: conv.ID})
	if err != nil {
		t.Fatal(err)
	}
	if next.ID == conv.ID || next.Model != ollamatest.TinyModel || len(next.Messages) != 0 {
		t.Errorf("new conversation %+v, want a new, empty one on tiny", next.Conversation)
	}
	intro := "This conversation continues an earlier one"
	summary := strings.TrimSpace(strings.TrimPrefix(next.SystemPrompt[strings.Index(next.SystemPrompt, "in summary:")+len("in summary:"):], "\n"))
	if !strings.HasPrefix(next.SystemPrompt, intro) || !strings.Contains(next.SystemPrompt, before.Title) || len(strings.Fields(summary)) < 5 {
		t.Errorf("system prompt %q, want the intro naming %q and the model's summary", next.SystemPrompt, before.Title)
	}
	after, _ := r.st.GetConversation(ctx, conv.ID)
	if len(after.Messages) != len(before.Messages) || after.SystemPrompt != before.SystemPrompt {
		t.Error("summarising changed the old conversation")
	}
}

// waitSavedPart waits until Ollama has recorded, in a blob's partial-download part file under
// dir, that at least n bytes of it arrived.
func waitSavedPart(t *testing.T, dir string, n int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		saved := int64(0)
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.Contains(d.Name(), "-partial-") {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return nil
			}
			var part struct{ Completed int64 }
			if json.Unmarshal(b, &part) == nil {
				saved = max(saved, part.Completed)
			}
			return nil
		})
		if saved >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("Ollama never recorded %d downloaded bytes in a part file under %s", n, dir)
}
