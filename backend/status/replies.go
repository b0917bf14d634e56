package status

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
)

// The chat service announces every reply on the bus (docs/API.md): message.started when it
// begins streaming, one message.delta per token, message.finished when it is closed. Following
// those events, instead of a hook into the chat service, keeps status independent of chat and
// sees exactly what every client sees.
const (
	evStarted  = "message.started"
	evDelta    = "message.delta"
	evFinished = "message.finished"
)

type replyEvent struct {
	Message struct {
		ID     string `json:"id"`
		Role   string `json:"role"`
		Status string `json:"status"`
		Model  string `json:"model"`
	} `json:"message"`
}

// deltaMessageID returns the messageId of a message.delta event's JSON. Inside a JSON string
// every quote is escaped, so the unescaped `"messageId":"` can only be the key itself, wherever
// it is in the object; IDs hold no characters that JSON escapes.
func deltaMessageID(data []byte) []byte {
	key := []byte(`"messageId":"`)
	i := bytes.Index(data, key)
	if i < 0 {
		return nil
	}
	rest := data[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return nil
	}
	return rest[:j]
}

// reply is one reply streaming now.
type reply struct {
	model   string
	tokens  int
	firstAt time.Time // when its first token came; its speed is measured from there
}

// replies tracks the replies streaming now. It is owned by followReplies' goroutine.
type replies struct {
	live      map[string]*reply
	lastModel string
}

// apply folds one bus event in and reports whether the set of streaming replies changed (a
// token only changes the speed, which is published on the Rate tick) and whether a reply failed.
func (r *replies) apply(ev events.Event, now time.Time) (changed, failed bool) {
	switch ev.Name {
	case evDelta:
		// One per token: find the reply without decoding the event (decoding every token cost a
		// tenth of the app's CPU while streaming; docs/PERFORMANCE.md).
		if g, ok := r.live[string(deltaMessageID(ev.Data))]; ok { // string(…) in an index does not allocate
			if g.tokens == 0 {
				g.firstAt = now
			}
			g.tokens++
		}
		return false, false
	case evStarted, evFinished:
	default:
		return false, false
	}
	var e replyEvent
	if err := json.Unmarshal(ev.Data, &e); err != nil {
		return false, false
	}
	switch ev.Name {
	case evStarted:
		if e.Message.Role != "assistant" || e.Message.Status != "streaming" {
			return false, false // the person's own message, or a reply that is already closed
		}
		r.live[e.Message.ID] = &reply{model: e.Message.Model}
		if e.Message.Model != "" {
			r.lastModel = e.Message.Model
		}
		return true, false
	default: // evFinished
		if _, ok := r.live[e.Message.ID]; !ok {
			return false, false
		}
		delete(r.live, e.Message.ID)
		return true, e.Message.Status == "error"
	}
}

// model is the model of the newest reply streaming, or of the last one.
func (r *replies) model() string { return r.lastModel }

// rate is the generation speed now: for each streaming reply, the tokens after its first one
// over the time since that first one (the wait for the first token is the prompt, not
// generation), summed, to one decimal so that jitter does not count as a change.
func (r *replies) rate(now time.Time) float64 {
	var sum float64
	for _, g := range r.live {
		if el := now.Sub(g.firstAt).Seconds(); g.tokens > 1 && el > 0 {
			sum += float64(g.tokens-1) / el
		}
	}
	return math.Round(sum*10) / 10
}

// followReplies keeps Ollama.Generating, Model and TokensPerSecond up to date from the bus until
// ctx ends. While nothing streams it sleeps on the subscription: no timer runs.
func (m *Monitor) followReplies(ctx context.Context) {
	r := &replies{live: map[string]*reply{}}
	since := m.since
	var tick *time.Ticker
	var tickC <-chan time.Time
	defer func() {
		if tick != nil {
			tick.Stop()
		}
	}()
	publish := func(now time.Time) {
		n, model, rate := len(r.live), r.model(), r.rate(now)
		m.update(func(s *Status) {
			if s.Ollama.State == Unreachable {
				n, rate = 0, 0
			}
			s.Ollama.Generating, s.Ollama.Model, s.Ollama.TokensPerSecond = n, model, rate
		})
		switch {
		case n > 0 && tick == nil:
			tick = time.NewTicker(m.iv.Rate)
			tickC = tick.C
		case n == 0 && tick != nil:
			tick.Stop()
			tick, tickC = nil, nil
		}
	}
	for ctx.Err() == nil {
		sub, complete := m.bus.Subscribe(since, 4096)
		if !complete {
			// Events were dropped while we were away: which replies still stream is unknown.
			// Forget them rather than show "generating" forever; the next reply sets it again.
			m.log.Warn("status: missed reply events; resetting the generating state")
			clear(r.live)
			publish(time.Now())
		}
	follow:
		for {
			select {
			case <-ctx.Done():
				sub.Close()
				return
			case now := <-tickC:
				publish(now)
			case ev, ok := <-sub.C:
				if !ok {
					break follow // dropped for lagging behind: resume from the last event seen
				}
				since = ev.Seq
				changed, failed := r.apply(ev, time.Now())
				if changed {
					publish(time.Now())
				}
				if failed {
					m.Poke() // a reply that failed may mean the server went away: look now
				}
			}
		}
		sub.Close()
	}
}
