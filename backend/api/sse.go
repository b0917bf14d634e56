package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/cloudtolocalllm/cloudtolocalllm/backend/events"
)

// heartbeat keeps idle connections (and the proxies between) from timing them out, and lets a
// dead client be noticed by the failed write.
const heartbeat = 15 * time.Second

// handleEvents streams bus events as Server-Sent Events. The SSE id is the event's sequence
// number, so a browser reconnecting with Last-Event-ID gets exactly what it missed.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	since := s.bus.Seq()
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		n, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			writeError(w, badRequest("Last-Event-ID must be a number"))
			return
		}
		since = n
	}
	sub, complete := s.bus.Subscribe(since, 4096)
	defer sub.Close()

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: 1000\n\n")
	if !complete {
		fmt.Fprintf(w, "id: %d\ndata: {\"seq\":%d,\"name\":\"resync\",\"data\":{}}\n\n", since, since)
	}
	if err := rc.Flush(); err != nil {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return
			}
		case ev, ok := <-sub.C:
			if !ok {
				// Dropped for falling behind: end the stream; the browser reconnects with the
				// last id it saw and is replayed or told to resync.
				return
			}
			if err := writeEvent(w, ev); err != nil {
				return
			}
			// Drain what is already queued before flushing: one write for a burst of tokens.
			for drained := false; !drained; {
				select {
				case ev, ok := <-sub.C:
					if !ok {
						rc.Flush()
						return
					}
					if err := writeEvent(w, ev); err != nil {
						return
					}
				default:
					drained = true
				}
			}
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

func writeEvent(w http.ResponseWriter, ev events.Event) error {
	_, err := fmt.Fprintf(w, "id: %d\ndata: {\"seq\":%d,\"name\":%q,\"data\":%s}\n\n", ev.Seq, ev.Seq, ev.Name, ev.Data)
	return err
}
