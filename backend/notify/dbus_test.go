//go:build linux

package notify

import (
	"context"
	"testing"

	"github.com/cloudtolocalllm/cloudtolocalllm/internal/traytest"
)

// TestDBusSends sends through a real session bus to a test notification server.
func TestDBusSends(t *testing.T) {
	ctx := context.Background()
	traytest.PrivateBus(t)
	d := &DBus{AppName: "CloudToLocalLLM"}
	defer d.Close()
	if _, err := d.Send(ctx, Notification{Summary: "x"}, 0); err == nil {
		t.Fatal("sending with no notification server on the bus succeeded")
	}
	srv, err := traytest.NewNotifications()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tests := []struct {
		n        Notification
		replaces uint32
		urgency  byte
	}{
		{Notification{Kind: "ollama", Summary: "Ollama is not reachable", Body: "Start it.", Urgent: true}, 0, 2},
		{Notification{Kind: "ollama", Summary: "Ollama is back", Body: "Connected."}, 1, 1},
	}
	for i, tt := range tests {
		id, err := d.Send(ctx, tt.n, tt.replaces)
		if err != nil {
			t.Fatal(err)
		}
		got := srv.All()
		if len(got) != i+1 {
			t.Fatalf("the server has %d notifications, want %d", len(got), i+1)
		}
		g := got[i]
		if g.ID != id || g.AppName != "CloudToLocalLLM" || g.Summary != tt.n.Summary || g.Body != tt.n.Body ||
			g.Replaces != tt.replaces || g.Urgency != tt.urgency {
			t.Fatalf("server got %+v (id %d), sent %+v replacing %d", g, id, tt.n, tt.replaces)
		}
	}
}
