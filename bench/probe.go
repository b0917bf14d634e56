//go:build linux

package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// probeCalls times operations that make up part of chat.send, so that a slow time to first
// token can be taken apart: status.get is the HTTP transport alone (no database), and
// conversations.create is the transport plus one write transaction (chat.send writes a
// conversation and two messages in one).
func probeCalls(ctx context.Context, client *http.Client, base string, n int) (transport, write summary, err error) {
	var t, w []float64
	for i := 0; i < n; i++ {
		var out map[string]any
		start := time.Now()
		if err := call(ctx, client, base, "status.get", struct{}{}, &out); err != nil {
			return transport, write, err
		}
		t = append(t, ms(time.Since(start)))
		start = time.Now()
		if err := call(ctx, client, base, "conversations.create", map[string]string{"model": "probe"}, &out); err != nil {
			return transport, write, err
		}
		w = append(w, ms(time.Since(start)))
	}
	return summarize(t), summarize(w), nil
}

func describeProbe(transport, write summary, sendResp summary, beforeResp, runs int) string {
	return fmt.Sprintf("Taking the app's time to first token apart (medians, p95 in brackets): an operation that "+
		"touches no database (`status.get`) takes %s (%s) over HTTP; one write transaction "+
		"(`conversations.create`) takes %s (%s); the `chat.send` response arrives %s (%s) after it was sent; "+
		"the first token came before that response in %d of %d replies.",
		fmtMs(transport.median), fmtMs(transport.p95), fmtMs(write.median), fmtMs(write.p95),
		fmtMs(sendResp.median), fmtMs(sendResp.p95), beforeResp, runs)
}
