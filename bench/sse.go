//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// sseEvent is one event of the app's stream, stamped when the client had read and decoded it.
type sseEvent struct {
	at   time.Time
	seq  uint64
	name string
	data json.RawMessage
}

// eventStream reads GET /api/events the way the web build does, reconnecting with Last-Event-ID
// if the server ends the stream (it does when a client falls behind).
type eventStream struct {
	C          chan sseEvent
	ready      chan struct{} // closed once the first connection is open
	reconnects int           // read only after the stream ended
	err        error
}

func openEvents(ctx context.Context, client *http.Client, baseURL string) *eventStream {
	s := &eventStream{C: make(chan sseEvent, 1<<16), ready: make(chan struct{})}
	go s.run(ctx, client, baseURL)
	return s
}

func (s *eventStream) run(ctx context.Context, client *http.Client, baseURL string) {
	defer close(s.C)
	var last uint64
	first := true
	for ctx.Err() == nil {
		err := s.read(ctx, client, baseURL, &last, first)
		if first {
			first = false
			select {
			case <-s.ready:
			default:
				close(s.ready) // even on failure, so the caller does not wait forever
			}
		}
		if ctx.Err() != nil {
			return
		}
		if err != nil && last == 0 {
			s.err = err
			return
		}
		s.reconnects++
	}
}

func (s *eventStream) read(ctx context.Context, client *http.Client, baseURL string, last *uint64, first bool) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/api/events", nil)
	if err != nil {
		return err
	}
	if *last > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatUint(*last, 10))
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /api/events: HTTP %d", resp.StatusCode)
	}
	if first {
		close(s.ready) // the server subscribed before it sent the headers
	}
	br := bufio.NewReaderSize(resp.Body, 1<<16)
	var data []byte
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(line) == 0:
			if data == nil {
				continue
			}
			var ev struct {
				Seq  uint64          `json:"seq"`
				Name string          `json:"name"`
				Data json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal(data, &ev); err != nil {
				return fmt.Errorf("event %q: %w", data, err)
			}
			data = nil
			*last = ev.Seq
			s.C <- sseEvent{at: time.Now(), seq: ev.Seq, name: ev.Name, data: ev.Data}
		case bytes.HasPrefix(line, []byte("data:")):
			data = append(data[:0:0], bytes.TrimPrefix(bytes.TrimPrefix(line, []byte("data:")), []byte(" "))...)
		}
	}
}
