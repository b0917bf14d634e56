package events

import "testing"

func collect(t *testing.T, s *Subscription, n int) []uint64 {
	t.Helper()
	var got []uint64
	for i := 0; i < n; i++ {
		ev, ok := <-s.C
		if !ok {
			t.Fatalf("subscription closed after %d events", i)
		}
		got = append(got, ev.Seq)
	}
	return got
}

func TestReplay(t *testing.T) {
	tests := []struct {
		name         string
		replay       int
		published    int
		since        uint64
		wantSeqs     []uint64
		wantComplete bool
	}{
		{"fresh subscriber", 4, 3, 3, nil, true},
		{"resume within buffer", 4, 3, 1, []uint64{2, 3}, true},
		{"resume from zero within buffer", 4, 3, 0, []uint64{1, 2, 3}, true},
		{"resume after wraparound", 3, 5, 2, []uint64{3, 4, 5}, true},
		{"missed events", 3, 6, 1, []uint64{4, 5, 6}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBus(tt.replay)
			for i := 0; i < tt.published; i++ {
				b.Publish("x", i)
			}
			s, complete := b.Subscribe(tt.since, 0)
			defer s.Close()
			if complete != tt.wantComplete {
				t.Errorf("complete = %v, want %v", complete, tt.wantComplete)
			}
			got := collect(t, s, len(tt.wantSeqs))
			for i := range got {
				if got[i] != tt.wantSeqs[i] {
					t.Fatalf("replayed %v, want %v", got, tt.wantSeqs)
				}
			}
			b.Publish("live", "y")
			if live := collect(t, s, 1); live[0] != uint64(tt.published+1) {
				t.Errorf("live event seq %d, want %d", live[0], tt.published+1)
			}
		})
	}
}

func TestSlowSubscriberIsDropped(t *testing.T) {
	b := NewBus(1000)
	s, _ := b.Subscribe(0, 1)
	for i := 0; i < 100; i++ {
		b.Publish("x", i) // must not block
	}
	if !s.Lagged() {
		t.Fatal("a subscriber that never read was not marked lagged")
	}
	n := 0
	for range s.C {
		n++
	}
	if n == 0 || n >= 100 {
		t.Fatalf("lagged subscriber drained %d events, want some but not all", n)
	}
	s.Close() // closing twice is safe
}

func TestPayloadIsJSON(t *testing.T) {
	b := NewBus(2)
	ev := b.Publish("message.delta", map[string]any{"delta": "<b>"})
	if string(ev.Data) != `{"delta":"\u003cb\u003e"}` {
		t.Fatalf("data %s", ev.Data)
	}
}
