//go:build !windows

package ollamatest

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestServerKill checks that Kill is a crash: the stream breaks mid-reply and no runner survives.
func TestServerKill(t *testing.T) {
	s := Start(t)
	_, lines := chatRaw(t, context.Background(), s.URL,
		`{"model":"tiny-long","messages":[{"role":"user","content":"go on"}]}`)
	for i := 0; i < 5; i++ {
		if !lines.Scan() {
			t.Fatalf("stream ended after %d lines: %v", i, lines.Err())
		}
	}
	if !groupAlive(s.cmd.Process.Pid) {
		t.Fatal("groupAlive says ollama's group is gone while it streams")
	}
	if err := s.Kill(); err != nil {
		t.Fatal(err)
	}
	var sawDone bool
	for lines.Scan() {
		sawDone = sawDone || strings.Contains(lines.Text(), `"done":true`)
	}
	if sawDone {
		t.Fatal("the reply finished normally after Kill")
	}
	if lines.Err() == nil {
		t.Error("the stream ended cleanly after Kill, want a broken connection")
	}
	// Nothing is left in serve's process group: the runner died with it.
	if groupAlive(s.cmd.Process.Pid) {
		t.Errorf("processes of ollama's group %d still run after Kill", s.cmd.Process.Pid)
	}
	if _, err := http.Get(s.URL + "/api/version"); err == nil {
		t.Error("ollama still answers after Kill")
	}
}
