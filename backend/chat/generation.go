package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/llm"
	"github.com/cloudtolocalllm/cloudtolocalllm/backend/store"
)

// Why a generation's context was cancelled. Anything else (the service's context ending) counts
// as shutting down.
var (
	errStopped  = errors.New("stopped by request")
	errShutdown = errors.New("the app is shutting down")
)

// finalWriteTimeout bounds the write that closes a reply. It runs on a context detached from the
// generation's, which is usually cancelled by then (stop, shutdown).
const finalWriteTimeout = 10 * time.Second

// generation is a conversation's claim: the reply being written, or (msgID empty until it starts)
// an operation that must not overlap with one, such as a delete.
type generation struct {
	convID string
	ctx    context.Context
	cancel context.CancelCauseFunc
	done   chan struct{} // closed when the claim is released

	endpoint string // the server the reply comes from, for the failure text

	mu      sync.Mutex
	msgID   string
	content strings.Builder
	chunks  int
}

// snapshot is the reply as far as it has been generated, and how many deltas that is.
func (g *generation) snapshot() (msgID, content string, chunks int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.msgID, g.content.String(), g.chunks
}

// claim makes the caller the only one writing to the conversation until release, or until the
// reply it starts has finished. busy is the current claim when the conversation is taken.
func (s *Service) claim(convID string) (g, busy *generation, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, nil, ErrClosed
	}
	if cur := s.active[convID]; cur != nil {
		return nil, cur, fmt.Errorf("conversation %s: %w", convID, ErrBusy)
	}
	ctx, cancel := context.WithCancelCause(s.ctx)
	g = &generation{convID: convID, ctx: ctx, cancel: cancel, done: make(chan struct{})}
	s.active[convID] = g
	return g, nil, nil
}

// release ends a claim that started no reply.
func (s *Service) release(g *generation) {
	s.unregister(g)
	g.cancel(nil)
	close(g.done)
}

func (s *Service) unregister(g *generation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active[g.convID] == g {
		delete(s.active, g.convID)
	}
}

func (s *Service) current(convID string) *generation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active[convID]
}

// start announces reply (already stored, status streaming) and generates it in the background
// under claim g, which it releases when the reply is closed.
func (s *Service) start(g *generation, reply store.Message, req llm.ChatRequest) {
	g.mu.Lock()
	g.endpoint = req.Endpoint
	g.msgID = reply.ID
	// A reply being continued grows from what it already holds; deltas count from there.
	g.content.WriteString(reply.Content)
	g.mu.Unlock()
	s.bus.Publish(EventMessageStarted, messageEvent{ConversationID: reply.ConversationID, Message: Message{Message: reply}})
	go s.run(g, reply, req)
}

func (s *Service) run(g *generation, reply store.Message, req llm.ChatRequest) {
	stopFlush, flushed := make(chan struct{}), make(chan struct{})
	go s.flushLoop(g, reply.ID, stopFlush, flushed)

	stats, err := s.provider.Chat(g.ctx, req, func(delta string) error {
		if delta == "" {
			return nil
		}
		if err := g.ctx.Err(); err != nil {
			return err // stopped: nothing more goes into the reply
		}
		g.mu.Lock()
		index := g.chunks
		g.chunks++
		g.content.WriteString(delta)
		g.mu.Unlock()
		// One event per token, never batched: the first token on screen is what feels fast.
		s.bus.Publish(EventMessageDelta, deltaEvent{ConversationID: g.convID, MessageID: reply.ID, Index: index, Delta: delta})
		return nil
	})
	// The final write below must come after the last flush, or a late flush could shorten it.
	close(stopFlush)
	<-flushed
	s.finish(g, reply, stats, err)
}

// flushLoop saves the growing content every s.flushEvery, and only when it has grown: the
// database sees a few writes a second per reply whatever the token rate.
func (s *Service) flushLoop(g *generation, msgID string, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(s.flushEvery)
	defer t.Stop()
	saved := 0
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		_, content, chunks := g.snapshot()
		if chunks == saved {
			continue
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(g.ctx), finalWriteTimeout)
		err := s.st.SetMessageContent(ctx, msgID, content)
		cancel()
		if err != nil {
			s.log.Warn("could not save a streaming reply; will try again", "message", msgID, "err", err)
			continue
		}
		saved = chunks
	}
}

// finish closes the reply with its final state, then releases the claim and tells clients. The
// claim goes before message.finished so a client reacting to it can send at once, and after the
// write so that Get never sees a streaming row without its live content.
func (s *Service) finish(g *generation, reply store.Message, stats llm.Stats, genErr error) {
	_, content, _ := g.snapshot()
	// Cancelled here means stop, shutdown or the service's context: our own cancel comes later.
	cancelled := g.ctx.Err() != nil
	status, errText := store.StatusDone, ""
	switch {
	case genErr == nil && (!cancelled || stats.DoneReason != ""):
		// Complete, even if a stop arrived as the last token did.
	case cancelled && errors.Is(context.Cause(g.ctx), errStopped):
		status = store.StatusStopped
	case cancelled:
		status = store.StatusInterrupted
	default:
		status, errText = store.StatusError, s.failure(genErr, reply.Model, g.endpoint, content != "")
		s.log.Warn("reply failed", "conversation", g.convID, "message", reply.ID, "model", reply.Model, "err", genErr)
	}
	evalTokens, evalMs := stats.EvalTokens, stats.EvalDuration.Milliseconds()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(g.ctx), finalWriteTimeout)
	final, err := s.st.UpdateMessage(ctx, reply.ID, store.MessageUpdate{
		Content: &content, Status: &status, Error: &errText, EvalTokens: &evalTokens, EvalDurationMs: &evalMs,
	})
	cancel()
	if err != nil {
		// The clients still learn the outcome; the row stays streaming and the next start marks
		// it interrupted with the content last flushed.
		s.log.Error("could not save the end of a reply", "message", reply.ID, "err", err)
		final = reply
		final.Content, final.Status, final.Error, final.EvalTokens, final.EvalDurationMs = content, status, errText, evalTokens, evalMs
	}
	s.unregister(g)
	g.cancel(nil)
	if s.titleTimeout > 0 && status == store.StatusDone {
		s.goTitle(g.convID, reply.ID)
	}
	s.bus.Publish(EventMessageFinished, messageEvent{ConversationID: g.convID, Message: Message{Message: final}})
	close(g.done)
}

// Stop stops the reply streaming in the conversation and returns once it is saved as stopped,
// with what was generated so far. Stopping a conversation with nothing streaming does nothing.
func (s *Service) Stop(ctx context.Context, conversationID string) error {
	if conversationID == "" {
		return invalid("conversationId is required")
	}
	g := s.current(conversationID)
	if g == nil {
		if _, err := s.st.GetConversation(ctx, conversationID); err != nil {
			return fmt.Errorf("stop: %w", err)
		}
		return nil
	}
	return s.stop(ctx, g, errStopped)
}

func (s *Service) stop(ctx context.Context, g *generation, why error) error {
	g.cancel(why)
	select {
	case <-g.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop the reply in %s: %w", g.convID, ctx.Err())
	}
}

// Shutdown stops every reply and waits, until ctx ends, for them to be saved as interrupted.
// Nothing new starts afterwards.
func (s *Service) Shutdown(ctx context.Context) {
	s.mu.Lock()
	s.closed = true
	gens := make([]*generation, 0, len(s.active))
	for _, g := range s.active {
		gens = append(gens, g)
	}
	s.mu.Unlock()
	for _, g := range gens {
		g.cancel(errShutdown)
	}
	s.stopTitles()
	defer s.waitTitles(ctx)
	for _, g := range gens {
		select {
		case <-g.done:
		case <-ctx.Done():
			s.log.Warn("shutdown did not wait for every reply to be saved; the next start marks them interrupted", "err", ctx.Err())
			return
		}
	}
}

// view is m as clients should see it: a reply being written comes with its live content.
func (s *Service) view(ctx context.Context, m store.Message) Message {
	if m.Status != store.StatusStreaming {
		return Message{Message: m}
	}
	if g := s.current(m.ConversationID); g != nil {
		if id, content, chunks := g.snapshot(); id == m.ID {
			m.Content = content
			return Message{Message: m, Chunks: chunks}
		}
	}
	// Not live: either it has not started yet (the row is current), or its generation finished
	// after m was read. A generation's final write comes before it leaves s.active, so reading
	// the row again now gets the final state.
	if fresh, err := s.st.GetMessage(ctx, m.ID); err == nil {
		return Message{Message: fresh}
	}
	return Message{Message: m}
}

// waitTitles waits, until ctx ends, for title requests to notice they were cancelled, so none
// writes to the store after the app has closed it.
func (s *Service) waitTitles(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		s.titling.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// claimMessage loads the message that op acts on, checks that it is a role message, claims its
// conversation and loads the conversation, returning the message's index in it. On success the
// caller holds the claim: it starts a reply under it or releases it.
func (s *Service) claimMessage(ctx context.Context, op, messageID, role, wrongRole string) (*generation, store.Conversation, int, error) {
	m, err := s.st.GetMessage(ctx, messageID)
	if err != nil {
		return nil, store.Conversation{}, 0, err
	}
	if m.Role != role {
		return nil, store.Conversation{}, 0, invalid("%s", wrongRole)
	}
	g, _, err := s.claim(m.ConversationID)
	if err != nil {
		return nil, store.Conversation{}, 0, err
	}
	conv, err := s.st.GetConversation(ctx, m.ConversationID)
	if err != nil {
		s.release(g)
		return nil, store.Conversation{}, 0, err
	}
	i := indexOf(conv.Messages, messageID)
	if i < 0 {
		s.release(g)
		return nil, store.Conversation{}, 0, fmt.Errorf("%s message %s: %w", op, messageID, store.ErrNotFound)
	}
	return g, conv, i, nil
}
