// Package events is the backend's publish/subscribe bus. Every change a client may want to see
// (a token streamed, a conversation renamed, the connection state) is one numbered Event. The
// numbers let a client that reconnects ask for everything after the last one it saw, so the
// desktop window (Wails events) and the web build (Server-Sent Events) see the same stream.
package events

import (
	"encoding/json"
	"sync"
)

// Event is one numbered change. Data is marshalled once, when published, so every subscriber and
// the replay buffer share the same bytes.
type Event struct {
	Seq  uint64          `json:"seq"`
	Name string          `json:"name"`
	Data json.RawMessage `json:"data"`
}

// Bus fans events out to subscribers and keeps the most recent ones for replay.
type Bus struct {
	mu   sync.Mutex
	seq  uint64
	ring []Event // the last len(ring) events, oldest first once full
	next int     // where the next event goes in ring once it is full
	full bool
	subs map[*Subscription]struct{}
}

// Subscription receives events on C. A subscriber that falls behind by more than the channel's
// buffer is dropped (C is closed and Lagged reports true) rather than slowing down the publisher;
// it can resubscribe with the last sequence number it saw.
type Subscription struct {
	C      <-chan Event
	c      chan Event
	bus    *Bus
	lagged bool
}

// NewBus returns a bus that keeps the last replay events for resuming subscribers.
func NewBus(replay int) *Bus {
	if replay < 1 {
		replay = 1
	}
	return &Bus{ring: make([]Event, 0, replay), subs: map[*Subscription]struct{}{}}
}

// Publish marshals data and sends it to every subscriber. It never blocks on a slow subscriber.
func (b *Bus) Publish(name string, data any) Event {
	raw, err := json.Marshal(data)
	if err != nil {
		raw, _ = json.Marshal(map[string]string{"error": "unencodable event: " + err.Error()})
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	ev := Event{Seq: b.seq, Name: name, Data: raw}
	if len(b.ring) < cap(b.ring) {
		b.ring = append(b.ring, ev)
	} else {
		b.ring[b.next] = ev
		b.next = (b.next + 1) % len(b.ring)
		b.full = true
	}
	for s := range b.subs {
		select {
		case s.c <- ev:
		default:
			s.lagged = true
			delete(b.subs, s)
			close(s.c)
		}
	}
	return ev
}

// Seq is the number of the last event published.
func (b *Bus) Seq() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.seq
}

// Subscribe returns a subscription that first receives every retained event after since, then
// live events. complete is false when events after since were already dropped from the replay
// buffer: the subscriber has missed some and must reload its state.
func (b *Bus) Subscribe(since uint64, buffer int) (sub *Subscription, complete bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	backlog := b.since(since)
	complete = true
	if since < b.seq {
		oldest := b.seq + 1
		if len(backlog) > 0 {
			oldest = backlog[0].Seq
		} else if len(b.ring) > 0 {
			oldest = b.oldestLocked().Seq
		}
		complete = oldest <= since+1
	}
	if buffer < len(backlog)+16 {
		buffer = len(backlog) + 16
	}
	c := make(chan Event, buffer)
	for _, ev := range backlog {
		c <- ev
	}
	s := &Subscription{C: c, c: c, bus: b}
	b.subs[s] = struct{}{}
	return s, complete
}

// Close stops the subscription and closes C.
func (s *Subscription) Close() {
	b := s.bus
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[s]; ok {
		delete(b.subs, s)
		close(s.c)
	}
}

// Lagged reports whether the bus dropped this subscriber because it fell behind.
func (s *Subscription) Lagged() bool {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	return s.lagged
}

func (b *Bus) oldestLocked() Event {
	if b.full {
		return b.ring[b.next]
	}
	return b.ring[0]
}

// since returns the retained events with Seq > since, oldest first. Callers hold b.mu.
func (b *Bus) since(since uint64) []Event {
	var out []Event
	n := len(b.ring)
	for i := 0; i < n; i++ {
		idx := i
		if b.full {
			idx = (b.next + i) % n
		}
		if ev := b.ring[idx]; ev.Seq > since {
			out = append(out, ev)
		}
	}
	return out
}
